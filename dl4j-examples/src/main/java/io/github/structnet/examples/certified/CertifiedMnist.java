package io.github.structnet.examples.certified;

import io.github.structnet.backend.Backends;
import io.github.structnet.examples.common.CertifiedAccuracyChart;
import io.github.structnet.examples.common.CertifiedReport;
import io.github.structnet.examples.common.Training;
import io.github.structnet.examples.data.MnistData;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Certified robustness on MNIST or Fashion-MNIST: a 1-Lipschitz gradient-flow CNN
 * ({@link CertifiedMnistModels#lipschitz}) next to an unconstrained CNN of similar size. Prints clean accuracy,
 * certified accuracy at ε ∈ {0.5, 1.0, 1.58} and L2-PGD accuracy at the same ε with each model's certified
 * Lipschitz bound, checks the certificate against the attack, and writes into the output directory
 * <ul>
 *   <li>{@code certified-accuracy.png}: certified accuracy vs ε for both models,</li>
 * <li>{@code lipschitz-<data>.zip}: the trained 1-Lipschitz model (checked after reload: same outputs, same
 * bound).</li>
 * </ul>
 * It also shows a gradient-flow block inserted into the zoo's ResNet50 ({@link ZooInsertion}).
 * <p>Usage: {@code CertifiedMnist [--quick | --full] [--fashion] [--data DIR] [--out DIR]}.
 * {@code --quick}: 600 training images, for CI (about a minute); default: the 60,000 images, 36 epochs (≈ 26 minutes
 * of training on 2 cores); {@code --full}: a wider, deeper model and 80 epochs; {@code --epochs N} overrides the
 * number of epochs.
 */
public final class CertifiedMnist {

    /** The ε of the table. */
    public static final double[] EPSILONS = {0.5, 1.0, 1.58};

    /** Sizes and schedule of one run. */
    public record Settings(String name, int train, int test, int attacked, int pgdSteps, int hidden, int blocks,
                           int lipschitzEpochs, int cnnEpochs, int batch, double temperature, double learningRate,
                           long seed) {
        public static Settings quick() {
            return new Settings("quick", 600, 300, 100, 10, 16, 1, 6, 4, 32, 1.0, 3e-3, 42);
        }

        public static Settings standard() {
            return new Settings("standard", 60_000, 10_000, 1000, 20, 32, 2, 36, 3, 128, 2.0, 3e-3, 42);
        }

        public static Settings full() {
            return new Settings("full", 60_000, 10_000, 1000, 20, 64, 3, 80, 3, 128, 2.0, 3e-3, 42);
        }

        /** The same settings with another number of epochs for the 1-Lipschitz model. */
        public Settings withEpochs(int epochs) {
            if (epochs < 1) {
                throw new IllegalArgumentException("CertifiedMnist: --epochs must be >= 1; got " + epochs);
            }
            return new Settings(name + ", " + epochs + " epochs", train, test, attacked, pgdSteps, hidden, blocks,
                    epochs, cnnEpochs, batch, temperature, learningRate, seed);
        }

        /** Training iterations of the 1-Lipschitz model. */
        public int iterations(int examples) {
            return lipschitzEpochs * ((examples + batch - 1) / batch);
        }
    }

    /** What one run produced. */
    public record Result(MultiLayerNetwork lipschitz, MultiLayerNetwork unconstrained, RobustnessCheck lipschitzCheck,
                         RobustnessCheck unconstrainedCheck, double lipschitzTrainingSeconds,
                         double unconstrainedTrainingSeconds) {
    }

    private CertifiedMnist() {
    }

    /** Trains and evaluates both models. */
    public static Result run(Settings s, MnistData.Kind kind, Path dataDir) throws IOException {
        DataSet train = MnistData.load(kind, true, dataDir, s.train());
        DataSet test = MnistData.load(kind, false, dataDir, s.test());
        MultiLayerNetwork lip = CertifiedMnistModels.lipschitz(s.hidden(), s.blocks(), s.temperature(),
                s.learningRate(), s.iterations(train.numExamples()), s.seed());
        MultiLayerNetwork cnn = CertifiedMnistModels.unconstrained(16, 1e-3, s.seed());
        long t0 = System.nanoTime();
        Training.fit(lip, train, s.lipschitzEpochs(), s.batch(), s.seed(), "1-Lipschitz CNN");
        long t1 = System.nanoTime();
        Training.fit(cnn, train, s.cnnEpochs(), s.batch(), s.seed(), "unconstrained CNN");
        long t2 = System.nanoTime();
        RobustnessCheck lipCheck = RobustnessCheck.run("1-Lipschitz CNN (StructNet)", lip,
                CertifiedMnistModels.logitsLayer(lip), test, EPSILONS, s.attacked(), s.pgdSteps());
        RobustnessCheck cnnCheck = RobustnessCheck.run("unconstrained CNN", cnn, CertifiedMnistModels.logitsLayer(cnn),
                test, EPSILONS, s.attacked(), s.pgdSteps());
        return new Result(lip, cnn, lipCheck, cnnCheck, (t1 - t0) / 1e9, (t2 - t1) / 1e9);
    }

    /**
     * Saves the 1-Lipschitz model, reloads it and checks that it computes bit-identical logits with the same
     * certified bound.
     *
     * @return a one-line description of the check
     */
    public static String saveAndVerify(MultiLayerNetwork net, File file, DataSet sample) throws IOException {
        ModelSerializer.writeModel(net, file, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(file, true);
        int logits = CertifiedMnistModels.logitsLayer(net);
        INDArray before = CertifiedReport.logits(net, logits, sample.getFeatures());
        INDArray after = CertifiedReport.logits(restored, logits, sample.getFeatures());
        double boundBefore = io.github.structnet.certify.NetworkLipschitz.upperBound(net, logits,
                CertifiedMnistModels.INPUT);
        double boundAfter = io.github.structnet.certify.NetworkLipschitz.upperBound(restored, logits,
                CertifiedMnistModels.INPUT);
        if (!before.equals(after) || before.sub(after).amaxNumber().doubleValue() != 0 || boundBefore != boundAfter) {
            throw new IllegalStateException("The reloaded model differs: max logit difference "
                    + before.sub(after).amaxNumber() + ", bound " + boundBefore + " vs " + boundAfter);
        }
        return String.format(Locale.ROOT, "Saved %s (%.1f MB); reloaded: identical logits on %d images, bound %.6f",
                file, file.length() / 1e6, sample.numExamples(), boundAfter);
    }

    /** The table with timings and the soundness checks, as printed. */
    public static String describe(Result r, Settings s, MnistData.Kind kind) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT,
                "%s, %s run: %d training / %d test images; training %.0f s (1-Lipschitz, %d"
                        + " epochs) and %.0f s (CNN, %d epochs)%n", kind, s.name(), s.train(), s.test(),
                r.lipschitzTrainingSeconds(), s.lipschitzEpochs(), r.unconstrainedTrainingSeconds(), s.cnnEpochs()));
        sb.append(String.format(Locale.ROOT,
                "Certified accuracy on all %d test images; PGD (%d steps, L2) on the first %d%n",
                s.test(), s.pgdSteps(), Math.min(s.attacked(), s.test())));
        sb.append(CertifiedReport.table(r.lipschitzCheck().report(), r.unconstrainedCheck().report()));
        for (RobustnessCheck c : new RobustnessCheck[]{r.lipschitzCheck(), r.unconstrainedCheck()}) {
            sb.append(String.format(Locale.ROOT, "%s: largest attacked-pair ratio %.4f (bound %.4f); certified examples"
                            + " flipped by PGD: %d; certified accuracy on the attacked examples %s -> %s%n",
                    c.report().name(), c.maxAttackRatio(), c.report().lipschitzBound(), c.certifiedFlipped(),
                    percentages(c.certifiedOnAttacked()), c.sound() ? "certificate holds" : "CERTIFICATE VIOLATED"));
        }
        return sb.toString();
    }

    private static String percentages(double[] values) {
        StringBuilder sb = new StringBuilder();
        for (double v : values) {
            sb.append(sb.length() == 0 ? "" : " / ").append(String.format(Locale.ROOT, "%.1f%%", 100 * v));
        }
        return sb.toString();
    }

    public static void main(String[] args) throws IOException {
        String usage = "CertifiedMnist [--quick | --full] [--epochs N] [--fashion] [--data DIR] [--out DIR] [--no-zoo]";
        Integer epochs = null;
        Settings settings = Settings.standard();
        MnistData.Kind kind = MnistData.Kind.MNIST;
        Path data = null;
        File out = new File("output/certified");
        boolean zoo = true;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> settings = Settings.quick();
                case "--full" -> settings = Settings.full();
                case "--fashion" -> kind = MnistData.Kind.FASHION_MNIST;
                case "--no-zoo" -> zoo = false;
                case "--epochs" -> {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException("--epochs needs a number; usage: " + usage);
                    }
                    epochs = Integer.parseInt(args[++i]);
                }
                case "--data", "--out" -> {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException(args[i] + " needs a directory; usage: " + usage);
                    }
                    if (args[i].equals("--data")) {
                        data = Path.of(args[++i]);
                    } else {
                        out = new File(args[++i]);
                    }
                }
                default -> throw new IllegalArgumentException("unknown argument '" + args[i] + "'; usage: " + usage);
            }
        }
        if (epochs != null) {
            settings = settings.withEpochs(epochs);
        }
        System.out.println(Backends.requireSupported());
        Result r = run(settings, kind, data);
        System.out.println();
        System.out.print(describe(r, settings, kind));
        String tag = kind == MnistData.Kind.MNIST ? "mnist" : "fashion-mnist";
        File png = CertifiedAccuracyChart.write(new File(out, "certified-accuracy-" + tag + ".png"), 3.0,
                r.lipschitzCheck().report(), r.unconstrainedCheck().report());
        DataSet sample = MnistData.load(kind, false, data, 100);
        System.out.println(saveAndVerify(r.lipschitz(), new File(out, "lipschitz-" + tag + ".zip"), sample));
        System.out.println("Wrote " + png);
        if (zoo) {
            System.out.println(ZooInsertion.demo(settings.seed()));
        }
        if (!r.lipschitzCheck().sound() || !r.unconstrainedCheck().sound()) {
            throw new IllegalStateException("A certificate was violated by the attack; see the lines above");
        }
    }
}
