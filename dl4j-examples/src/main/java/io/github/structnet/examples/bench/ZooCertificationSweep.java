package io.github.structnet.examples.bench;

import io.github.structnet.certify.BoundMethod;
import io.github.structnet.certify.LayerBound;
import io.github.structnet.certify.NetworkLipschitz;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.objdetect.Yolo2OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.zoo.ZooModel;
import org.deeplearning4j.zoo.model.AlexNet;
import org.deeplearning4j.zoo.model.Darknet19;
import org.deeplearning4j.zoo.model.FaceNetNN4Small2;
import org.deeplearning4j.zoo.model.InceptionResNetV1;
import org.deeplearning4j.zoo.model.LeNet;
import org.deeplearning4j.zoo.model.NASNet;
import org.deeplearning4j.zoo.model.ResNet50;
import org.deeplearning4j.zoo.model.SimpleCNN;
import org.deeplearning4j.zoo.model.SqueezeNet;
import org.deeplearning4j.zoo.model.TinyYOLO;
import org.deeplearning4j.zoo.model.UNet;
import org.deeplearning4j.zoo.model.VGG16;
import org.deeplearning4j.zoo.model.VGG19;
import org.deeplearning4j.zoo.model.Xception;
import org.deeplearning4j.zoo.model.YOLO2;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Certifies every CNN configuration of DL4J's model zoo right after {@code init()} (random weights, so the bounds
 * are huge but sound) with {@link NetworkLipschitz}, up to each network's output (for the YOLO detectors up to the
 * input of their {@code Yolo2OutputLayer}, whose exp of the box sizes has no global bound), and reports the time, the
 * process's peak resident memory, the bound and the layer that contributes most. One JVM per model
 * ({@code --model NAME}) gives each its own peak; without arguments every model runs in a child JVM in turn, started
 * with this JVM's class path (so run it with {@code java -cp}, not inside Maven's {@code exec:java}).
 * <p>Usage: {@code ZooCertificationSweep [--model NAME | --quick | --minutes M]} (quick: LeNet and SimpleCNN in this
 * JVM, a smoke test; otherwise each model in its own JVM, stopped after M minutes, 30 by default).
 */
public final class ZooCertificationSweep {

    /** The zoo's CNNs, cheapest first, built as DL4J's defaults (their default input sizes; 10 classes for
     * LeNet and SimpleCNN, 20 for the YOLOs, 1000 for the others). */
    static final Map<String, Supplier<ZooModel<?>>> MODELS = new LinkedHashMap<>();

    static {
        MODELS.put("LeNet", () -> LeNet.builder().numClasses(10).build());
        MODELS.put("SimpleCNN", () -> SimpleCNN.builder().numClasses(10).build());
        MODELS.put("FaceNetNN4Small2", () -> FaceNetNN4Small2.builder().numClasses(128).build());
        MODELS.put("SqueezeNet", () -> SqueezeNet.builder().numClasses(1000).build());
        MODELS.put("Darknet19", () -> Darknet19.builder().numClasses(1000).build());
        MODELS.put("AlexNet", () -> AlexNet.builder().numClasses(1000).build());
        MODELS.put("InceptionResNetV1", () -> InceptionResNetV1.builder().numClasses(1000).build());
        MODELS.put("Xception", () -> Xception.builder().numClasses(1000).build());
        MODELS.put("UNet", () -> UNet.builder().numClasses(1).build());
        MODELS.put("ResNet50", () -> ResNet50.builder().numClasses(1000).build());
        MODELS.put("TinyYOLO", () -> TinyYOLO.builder().numClasses(20).build());
        MODELS.put("VGG16", () -> VGG16.builder().numClasses(1000).build());
        MODELS.put("VGG19", () -> VGG19.builder().numClasses(1000).build());
        MODELS.put("YOLO2", () -> YOLO2.builder().numClasses(20).build());
        MODELS.put("NASNet", () -> NASNet.builder().numClasses(1000).build());
    }

    private ZooCertificationSweep() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length == 2 && args[0].equals("--model")) {
            System.out.println(certify(args[1]));
            return;
        }
        boolean quick = args.length == 1 && args[0].equals("--quick");
        boolean timed = args.length == 2 && args[0].equals("--minutes");
        if (args.length > 0 && !quick && !timed) {
            throw new IllegalArgumentException("usage: ZooCertificationSweep [--model NAME | --quick | --minutes M];"
                    + " models: " + MODELS.keySet());
        }
        int minutes = timed ? Integer.parseInt(args[1]) : 30;
        System.out.println("| model | parameters | input | time (s) | peak RSS (MB) | bound | largest layer factor |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (String name : quick ? List.of("LeNet", "SimpleCNN") : new ArrayList<>(MODELS.keySet())) {
            System.out.println(quick ? certify(name) : inChildJvm(name, minutes));
        }
    }

    /** One table row: certifies the named model in this JVM. */
    static String certify(String name) throws IOException {
        Supplier<ZooModel<?>> factory = MODELS.get(name);
        if (factory == null) {
            throw new IllegalArgumentException("unknown model " + name + "; models: " + MODELS.keySet());
        }
        ZooModel<?> zoo = factory.get();
        int[] shape = zoo.metaData().getInputShape()[0];
        InputType input = InputType.convolutional(shape[1], shape[2], shape[0]);
        Model model;
        try {
            model = zoo.init();
        } catch (RuntimeException e) {
            return String.format(Locale.ROOT, "| %s | – | %dx%dx%d | – | – | – | DL4J's own init() fails: %s |", name,
                    shape[1], shape[2], shape[0], e.getMessage());
        }
        System.gc();
        PeakMemory.reset();
        long start = System.nanoTime();
        List<LayerBound> layers;
        if (model instanceof MultiLayerNetwork net) {
            layers = NetworkLipschitz.breakdown(net, net.getnLayers() - 1, input);
        } else {
            ComputationGraph graph = (ComputationGraph) model;
            layers = NetworkLipschitz.breakdown(graph, certifiedVertex(graph), input);
        }
        double bound = layers.get(layers.size() - 1).cumulative();
        double seconds = (System.nanoTime() - start) / 1e9;
        // a combining vertex's line carries its output bound, not a factor: the largest factor is a layer's
        LayerBound largest = layers.stream().filter(l -> l.method() != BoundMethod.COMBINATION)
                .max(Comparator.comparingDouble(LayerBound::bound)).orElseThrow();
        return String.format(Locale.ROOT, "| %s | %,d | %dx%dx%d | %.1f | %.0f | %.3e | %s |", name,
                model.numParams(), shape[1], shape[2], shape[0], seconds, PeakMemory.peakKb() / 1024.0, bound,
                largest);
    }

    /**
     * The graph's output, or for a detector the input of its {@code Yolo2OutputLayer} (which applies exp to the box
     * sizes and has no global bound).
     */
    private static String certifiedVertex(ComputationGraph graph) {
        String output = graph.getConfiguration().getNetworkOutputs().get(0);
        if (graph.getConfiguration().getVertices().get(output) instanceof LayerVertex v
                && v.getLayerConf().getLayer() instanceof Yolo2OutputLayer) {
            return graph.getConfiguration().getVertexInputs().get(output).get(0);
        }
        return output;
    }

    private static String inChildJvm(String name, int minutes) throws IOException, InterruptedException {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        File log = File.createTempFile("zoo-sweep-" + name, ".log");
        try {
            Process p = new ProcessBuilder(java, "-Xmx8g", "-cp", System.getProperty("java.class.path"),
                    ZooCertificationSweep.class.getName(), "--model", name).redirectErrorStream(true)
                    .redirectOutput(log).start();
            if (!p.waitFor(minutes, TimeUnit.MINUTES)) {
                p.destroyForcibly().waitFor();
                return "| " + name + " | not finished within " + minutes + " min |";
            }
            String row = "| " + name + " | failed: no output |";
            for (String line : Files.readAllLines(log.toPath())) {
                if (line.startsWith("| " + name + " |")) {
                    row = line;
                } else if (line.startsWith("Exception") || line.contains("Exception:")) {
                    row = "| " + name + " | refused or failed: " + line.trim() + " |";
                }
            }
            return row;
        } finally {
            Files.deleteIfExists(log.toPath());
        }
    }
}
