package io.github.structnet.examples.zoo;

import io.github.structnet.certify.MarginCertificate;
import io.github.structnet.certify.NetworkLipschitz;
import io.github.structnet.examples.common.CertifiedReport;
import io.github.structnet.examples.data.MnistData;
import io.github.structnet.zoo.CertifiedMnistClassifier;
import io.github.structnet.zoo.ClassifierFigures;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;
import java.util.zip.Adler32;

/**
 * Turns a model trained by an example into a weights file of the StructNet zoo (module dl4j-zoo): checks that its
 * layers are exactly the zoo model's architecture, saves it without the updater state (atomically), and prints its
 * checksums and test figures in the form {@code io.github.structnet.zoo.ZooWeights} holds them.
 * <p>Usage: {@code ExportZooWeights --model certified-mnist|certified-fashion-mnist --from MODEL.zip
 * [--to DIR] [--data DIR] [--images N]}; {@code --to} defaults to dl4j-zoo's resource directory. The models come from
 * {@code CertifiedMnist --no-zoo} (standard run) and {@code CertifiedMnist --no-zoo --fashion}: see docs/zoo.md.
 */
public final class ExportZooWeights {

    private static final Path RESOURCES = Paths.get("dl4j-zoo", "src", "main", "resources", "io", "github",
            "structnet", "zoo");

    private ExportZooWeights() {
    }

    public static void main(String[] args) throws IOException {
        String usage = "ExportZooWeights --model certified-mnist|certified-fashion-mnist --from MODEL.zip [--to DIR]"
                + " [--data DIR] [--images N]";
        String model = null;
        Path from = null;
        Path to = RESOURCES;
        Path data = null;
        int images = 1000;
        for (int i = 0; i < args.length; i++) {
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(args[i] + " needs a value; usage: " + usage);
            }
            switch (args[i]) {
                case "--model" -> model = args[++i];
                case "--from" -> from = Paths.get(args[++i]);
                case "--to" -> to = Paths.get(args[++i]);
                case "--data" -> data = Paths.get(args[++i]);
                case "--images" -> images = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + "; usage: " + usage);
            }
        }
        if (model == null || from == null) {
            throw new IllegalArgumentException("--model and --from are required; usage: " + usage);
        }
        boolean fashion = switch (model) {
            case "certified-mnist" -> false;
            case "certified-fashion-mnist" -> true;
            default -> throw new IllegalArgumentException("unknown model " + model + "; usage: " + usage);
        };
        CertifiedMnistClassifier zoo = CertifiedMnistClassifier.builder().dataset(fashion
                ? CertifiedMnistClassifier.Dataset.FASHION_MNIST : CertifiedMnistClassifier.Dataset.MNIST).build();
        MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(from.toFile(), false);
        requireArchitecture(net, zoo);
        Files.createDirectories(to);
        Path target = to.resolve(model + ".zip");
        Path temporary = Files.createTempFile(to, model, ".part");
        try {
            ModelSerializer.writeModel(net, temporary.toFile(), false);
            Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temporary);
        }
        byte[] bytes = Files.readAllBytes(target);
        Adler32 adler = new Adler32();
        adler.update(bytes);
        double[] epsilons = fashion ? new double[]{0.1, 0.5, 1.0} : new double[]{0.5, 1.0, 1.58};
        DataSet test = MnistData.load(fashion ? MnistData.Kind.FASHION_MNIST : MnistData.Kind.MNIST, false, data,
                images);
        ClassifierFigures figures = figures(ModelSerializer.restoreMultiLayerNetwork(target.toFile(), false),
                zoo.logitsLayer(), test, epsilons);
        System.out.printf(Locale.ROOT, "Wrote %s (%.2f MB)%n  sha256 %s%n  adler32 %dL%n  %s%n"
                        + "  new ClassifierFigures(%d, %d, new double[]%s, new int[]%s, %s)%n", target,
                bytes.length / 1e6, sha256(bytes), adler.getValue(), figures, figures.images(), figures.clean(),
                Arrays.toString(figures.epsilons()).replace('[', '{').replace(']', '}'),
                Arrays.toString(figures.certified()).replace('[', '{').replace(']', '}'), figures.bound());
    }

    /** Clean and certified counts of a classifier on a test set, with the bound computed from its weights. */
    public static ClassifierFigures figures(MultiLayerNetwork net, int logitsLayer, DataSet test, double[] epsilons) {
        double bound = NetworkLipschitz.upperBound(net, logitsLayer, CertifiedMnistClassifier.INPUT);
        INDArray logits = CertifiedReport.logits(net, logitsLayer, test.getFeatures());
        double[] radii = MarginCertificate.radii(logits, test.getLabels(), bound);
        int n = test.numExamples();
        int clean = (int) Math.round(MarginCertificate.certifiedAccuracy(radii, 0.0) * n);
        int[] certified = new int[epsilons.length];
        for (int i = 0; i < epsilons.length; i++) {
            certified[i] = (int) Math.round(MarginCertificate.certifiedAccuracy(radii, epsilons[i]) * n);
        }
        return new ClassifierFigures(n, clean, epsilons.clone(), certified, bound);
    }

    /** Refuses a model whose layers differ from the zoo architecture (names, sizes, settings). */
    private static void requireArchitecture(MultiLayerNetwork net, CertifiedMnistClassifier zoo) {
        var expected = zoo.conf();
        if (net.getnLayers() != expected.getConfs().size()) {
            throw new IllegalArgumentException("The model has " + net.getnLayers() + " layers; the zoo architecture "
                    + expected.getConfs().size());
        }
        for (int i = 0; i < net.getnLayers(); i++) {
            // as JSON, without the parameter names an initialised network records
            NeuralNetConfiguration trained = net.getLayerWiseConfigurations().getConf(i).clone();
            NeuralNetConfiguration zooLayer = expected.getConf(i).clone();
            trained.clearVariables();
            zooLayer.clearVariables();
            if (!trained.toJson().equals(zooLayer.toJson())) {
                throw new IllegalArgumentException("Layer " + i + " differs from the zoo architecture: "
                        + trained.getLayer() + " vs " + zooLayer.getLayer());
            }
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
