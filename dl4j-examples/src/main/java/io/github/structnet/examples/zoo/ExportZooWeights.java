package io.github.structnet.examples.zoo;

import io.github.structnet.examples.data.MnistData;
import io.github.structnet.zoo.CertifiedMnistClassifier;
import io.github.structnet.zoo.LipschitzDenoiser;
import io.github.structnet.zoo.PendulumSympNet;
import io.github.structnet.zoo.PretrainedWeights;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Turns a model trained by an example into a weights file of the StructNet zoo (module dl4j-zoo): checks that its
 * layers are exactly the zoo model's architecture, saves it without the updater state (atomically), and prints its
 * checksums and figures in the form {@code io.github.structnet.zoo.ZooWeights} holds them.
 * <p>Usage: {@code ExportZooWeights --model NAME --from MODEL.zip [--to DIR] [--data DIR] [--images N]}, NAME one of
 * certified-mnist, certified-fashion-mnist (from {@code CertifiedMnist --no-zoo [--fashion]}), lipschitz-denoiser
 * (the {@code lipschitz-denoiser.zip} of a {@code PlugAndPlay} run), pendulum-sympnet (the
 * {@code flowmap-pendulum-g-sympnet.zip} of a {@code FlowMapLearning} run); {@code --to} defaults to dl4j-zoo's
 * resource directory, {@code --data} is the MNIST or scikit-image directory, {@code --images} the number of test
 * images of a classifier. See docs/zoo-and-import.md.
 */
public final class ExportZooWeights {

    private static final Path RESOURCES = Paths.get("dl4j-zoo", "src", "main", "resources", "io", "github",
            "structnet", "zoo");
    private static final String USAGE = "ExportZooWeights --model certified-mnist|certified-fashion-mnist"
            + "|lipschitz-denoiser|pendulum-sympnet --from MODEL.zip [--to DIR] [--data DIR] [--images N]";

    private ExportZooWeights() {
    }

    public static void main(String[] args) throws IOException {
        String model = null;
        Path from = null;
        Path to = RESOURCES;
        Path data = null;
        int images = 1000;
        for (int i = 0; i < args.length; i++) {
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(args[i] + " needs a value; usage: " + USAGE);
            }
            switch (args[i]) {
                case "--model" -> model = args[++i];
                case "--from" -> from = Paths.get(args[++i]);
                case "--to" -> to = Paths.get(args[++i]);
                case "--data" -> data = Paths.get(args[++i]);
                case "--images" -> images = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + "; usage: " + USAGE);
            }
        }
        if (model == null || from == null) {
            throw new IllegalArgumentException("--model and --from are required; usage: " + USAGE);
        }
        MultiLayerConfiguration architecture = switch (model) {
            case "certified-mnist", "certified-fashion-mnist" -> classifier(model).conf();
            case "lipschitz-denoiser" -> LipschitzDenoiser.builder().build().conf();
            case "pendulum-sympnet" -> PendulumSympNet.builder().build().conf();
            default -> throw new IllegalArgumentException("unknown model " + model + "; usage: " + USAGE);
        };
        MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(from.toFile(), false);
        requireArchitecture(net, architecture);
        Files.createDirectories(to);
        Path target = to.resolve(model + ".zip");
        Path temporary = Files.createTempFile(to, model, ".part");
        try {
            ModelSerializer.writeModel(net, temporary.toFile(), false);
            Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temporary);
        }
        PretrainedWeights shipped = PretrainedWeights.of("/io/github/structnet/zoo/" + model + ".zip", target);
        MultiLayerNetwork exported = ModelSerializer.restoreMultiLayerNetwork(target.toFile(), false);
        Record figures = switch (model) {
            case "lipschitz-denoiser" -> ZooFigures.denoiser(exported, data);
            case "pendulum-sympnet" -> ZooFigures.pendulum(exported, PendulumSympNet.STEP);
            default -> {
                boolean fashion = model.equals("certified-fashion-mnist");
                double[] epsilons = fashion ? new double[]{0.1, 0.5, 1.0} : new double[]{0.5, 1.0, 1.58};
                yield ZooFigures.classifier(exported, classifier(model).logitsLayer(), MnistData.load(fashion
                        ? MnistData.Kind.FASHION_MNIST : MnistData.Kind.MNIST, false, data, images), epsilons);
            }
        };
        System.out.printf(Locale.ROOT, "Wrote %s (%.2f MB)%n  %s%n  %s%n  %s%n", target, Files.size(target) / 1e6,
                shipped.javaLiteral(), figures, javaLiteral(figures));
    }

    private static CertifiedMnistClassifier classifier(String model) {
        return CertifiedMnistClassifier.builder().dataset(model.equals("certified-fashion-mnist")
                ? CertifiedMnistClassifier.Dataset.FASHION_MNIST : CertifiedMnistClassifier.Dataset.MNIST).build();
    }

    /** Refuses a model whose layers differ from the zoo architecture (names, sizes, settings). */
    private static void requireArchitecture(MultiLayerNetwork net, MultiLayerConfiguration expected) {
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

    /** A figures record as the Java expression that constructs it, e.g. {@code new FlowMapFigures(500, 8L, …)}. */
    static String javaLiteral(Record r) {
        List<String> values = new ArrayList<>();
        for (RecordComponent c : r.getClass().getRecordComponents()) {
            Object v;
            try {
                v = c.getAccessor().invoke(r);
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new IllegalStateException(e);
            }
            if (v instanceof double[] d) {
                values.add("new double[]" + Arrays.toString(d).replace('[', '{').replace(']', '}'));
            } else if (v instanceof int[] n) {
                values.add("new int[]" + Arrays.toString(n).replace('[', '{').replace(']', '}'));
            } else {
                values.add(v instanceof Long ? v + "L" : String.valueOf(v));
            }
        }
        return "new " + r.getClass().getSimpleName() + "(" + String.join(", ", values) + ")";
    }
}
