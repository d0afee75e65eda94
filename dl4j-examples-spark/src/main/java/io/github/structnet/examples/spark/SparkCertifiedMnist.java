package io.github.structnet.examples.spark;

import io.github.structnet.backend.Backends;
import io.github.structnet.examples.data.MnistData;
import io.github.structnet.spark.DistributedCertification;
import io.github.structnet.spark.DistributedTraining;
import io.github.structnet.zoo.CertifiedMnistClassifier;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.dataset.DataSet;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The certified MNIST classifier ({@link CertifiedMnistClassifier}, a 1-Lipschitz gradient-flow CNN) trained on Spark
 * with DL4J's parameter averaging ({@link DistributedTraining}: power-iteration state repaired on the workers and
 * the driver), then certified and attacked on Spark ({@link DistributedCertification}) and checked against the same
 * computation on one machine.
 * <p>Usage: {@code SparkCertifiedMnist [--quick] [--master URL] [--epochs N] [--fashion] [--data DIR] [--out DIR]}.
 * Default: local[2], 60,000 training images, 10 epochs, certification of the 10,000 test images (PGD on the first
 * 1,000); {@code --quick}: 600 training and 200 test images, 2 epochs (for CI). Writes
 * {@code spark-certified-mnist.zip}. Exits with an error if the distributed result differs from the single-machine
 * one or the attack flips a certified example.
 */
public final class SparkCertifiedMnist {

    /** Sizes of a run. */
    record Settings(int train, int test, int attacked, int pgdSteps, int hidden, int blocks, int epochs, int batch,
                    int averagingFrequency) {
        static Settings quick() {
            return new Settings(600, 200, 200, 5, 8, 1, 2, 32, 3);
        }

        static Settings standard() {
            return new Settings(60_000, 10_000, 1000, 20, 32, 2, 10, 64, 5);
        }
    }

    private SparkCertifiedMnist() {
    }

    public static void main(String[] args) throws IOException {
        Settings s = Settings.standard();
        String master = "local[2]";
        Integer epochs = null;
        MnistData.Kind kind = MnistData.Kind.MNIST;
        Path data = null;
        File out = new File("output/spark");
        String usage = "SparkCertifiedMnist [--quick] [--master URL] [--epochs N] [--fashion] [--data DIR] [--out DIR]";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> s = Settings.quick();
                case "--fashion" -> kind = MnistData.Kind.FASHION_MNIST;
                case "--master", "--epochs", "--data", "--out" -> {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException(args[i] + " needs a value; usage: " + usage);
                    }
                    String value = args[++i];
                    switch (args[i - 1]) {
                        case "--master" -> master = value;
                        case "--epochs" -> epochs = Integer.parseInt(value);
                        case "--data" -> data = Path.of(value);
                        default -> out = new File(value);
                    }
                }
                default -> throw new IllegalArgumentException("unknown argument '" + args[i] + "'; usage: " + usage);
            }
        }
        int epochCount = epochs != null ? epochs : s.epochs();
        if (epochCount < 1) {
            throw new IllegalArgumentException("SparkCertifiedMnist: --epochs must be >= 1; got " + epochCount);
        }
        System.out.println(Backends.requireSupported());
        List<DataSet> train = MnistData.load(kind, true, data, s.train()).batchBy(s.batch());
        List<DataSet> test = MnistData.load(kind, false, data, s.test()).batchBy(100);
        double[] epsilons = kind == MnistData.Kind.MNIST ? new double[]{0.5, 1.0, 1.58} : new double[]{0.1, 0.5, 1.0};

        CertifiedMnistClassifier model = CertifiedMnistClassifier.builder().hidden(s.hidden()).blocks(s.blocks())
                .learningRate(3e-3, epochCount * train.size()).build();
        JavaSparkContext sc = new JavaSparkContext(new SparkConf().setMaster(master)
                .setAppName("StructNet certified MNIST").set("spark.ui.enabled", "false"));
        try {
            SparkDl4jMultiLayer spark = new SparkDl4jMultiLayer(sc, model.init(),
                    DistributedTraining.parameterAveraging(s.batch()).averagingFrequency(s.averagingFrequency())
                            .workerPrefetchNumBatches(0).build());
            JavaRDD<DataSet> trainRdd = sc.parallelize(train, sc.defaultParallelism()).cache();
            MultiLayerNetwork net = null;
            long start = System.nanoTime();
            for (int epoch = 1; epoch <= epochCount; epoch++) {
                net = DistributedTraining.fit(spark, trainRdd);
                System.out.printf(Locale.ROOT, "epoch %d/%d: score %.4f (%.0f s, master %s)%n", epoch, epochCount,
                        spark.getScore(), (System.nanoTime() - start) / 1e9, master);
            }
            int logits = model.logitsLayer();
            List<DataSet> attacked = test.subList(0, Math.max(1, s.attacked() / 100));
            DistributedCertification.Result all = DistributedCertification.evaluate(sc, net, logits,
                    CertifiedMnistClassifier.INPUT, sc.parallelize(test, sc.defaultParallelism()), epsilons, 0, 1);
            DistributedCertification.Result withAttack = DistributedCertification.evaluate(sc, net, logits,
                    CertifiedMnistClassifier.INPUT, sc.parallelize(attacked, sc.defaultParallelism()), epsilons,
                    s.pgdSteps(), 1);
            DistributedCertification.Result local = DistributedCertification.evaluateLocally(net, logits,
                    CertifiedMnistClassifier.INPUT, attacked, epsilons, s.pgdSteps(), 1);
            System.out.println("Certified on Spark, all test images: " + all);
            System.out.println("Certified and attacked (PGD, " + s.pgdSteps() + " steps) on Spark: " + withAttack);
            boolean equal = local.correct() == withAttack.correct()
                    && Arrays.equals(local.certified(), withAttack.certified())
                    && Arrays.equals(local.robust(), withAttack.robust());
            System.out.println("Equal to the single-machine computation: " + (equal ? "yes" : "NO: " + local));
            out.mkdirs();
            File file = new File(out, "spark-certified-mnist.zip");
            File partial = new File(out, "spark-certified-mnist.zip.part");
            ModelSerializer.writeModel(net, partial, true);
            Files.move(partial.toPath(), file.toPath(), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
            System.out.println("Wrote " + file);
            if (!equal || withAttack.violations() > 0) {
                throw new IllegalStateException("SparkCertifiedMnist: the distributed certification "
                        + (equal ? "was contradicted by the attack" : "differs from the single-machine one"));
            }
        } finally {
            sc.stop();
        }
    }
}
