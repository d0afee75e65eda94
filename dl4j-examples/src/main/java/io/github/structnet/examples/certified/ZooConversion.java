package io.github.structnet.examples.certified;

import io.github.structnet.certify.MarginCertificate;
import io.github.structnet.certify.NetworkLipschitz;
import io.github.structnet.convert.LipschitzConverter;
import io.github.structnet.convert.Replacement;
import io.github.structnet.examples.common.CertifiedReport;
import io.github.structnet.examples.common.Charts;
import io.github.structnet.examples.common.Training;
import io.github.structnet.examples.data.MnistData;
import io.github.structnet.lipschitz.TemperatureCrossEntropy;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.zoo.model.LeNet;
import org.deeplearning4j.zoo.model.ResNet50;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * DL4J zoo architectures made certifiable with {@link LipschitzConverter}.
 * <ol>
 *   <li>The zoo's LeNet is trained on MNIST as DL4J builds it, then converted (its trained weights copied into the
 *       spectrally normalised layers) and fine-tuned: clean and certified accuracy at ε = 0.5, 1.0, 1.58 before
 *       conversion, right after it, and after fine-tuning, each certificate computed from the network's weights.</li>
 *   <li>The zoo's ResNet50 configuration (224×224×3, 10 classes) is converted: the report is summarised, the network
 *       is built, certified and run on one image.</li>
 * </ol>
 * Writes {@code zoo-conversion.md} into the output directory. Usage:
 * {@code ZooConversion [--quick] [--only lenet|resnet] [--epochs N] [--out DIR]} (quick: 2,000 training images,
 * 2 epochs each; full: 60,000, 3 epochs unless {@code --epochs} says otherwise; quick: ResNet50 converted and
 * built without the 224×224 certificate).
 */
public final class ZooConversion {

    private static final double[] EPSILONS = {0.5, 1.0, 1.58};
    private static final InputType MNIST = InputType.convolutionalFlat(28, 28, 1);
    private static final InputType IMAGENET = InputType.convolutional(224, 224, 3);
    /** The certified-MNIST example's temperature and learning rate. */
    private static final double TEMPERATURE = 2.0;
    private static final double FINE_TUNING_RATE = 3e-3;

    private ZooConversion() {
    }

    /** Clean and certified accuracy of one network. */
    private record Row(String stage, double bound, double clean, double[] certified) {
        String markdown() {
            StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "| %s | %.4g | %.1f %%", stage, bound,
                    100 * clean));
            for (double c : certified) {
                b.append(String.format(Locale.ROOT, " | %.1f %%", 100 * c));
            }
            return b.append(" |").toString();
        }
    }

    public static void main(String[] args) throws IOException {
        String usage = "ZooConversion [--quick] [--only lenet|resnet] [--epochs N] [--out DIR]";
        List<String> rest = new ArrayList<>(List.of(args));
        String only = "";
        int at = rest.indexOf("--only");
        if (at >= 0) {
            if (at + 1 >= rest.size() || !List.of("lenet", "resnet").contains(rest.get(at + 1))) {
                throw new IllegalArgumentException("--only needs lenet or resnet; usage: " + usage);
            }
            only = rest.remove(at + 1);
            rest.remove(at);
        }
        int epochsGiven = 0;
        at = rest.indexOf("--epochs");
        if (at >= 0) {
            if (at + 1 >= rest.size() || !rest.get(at + 1).matches("[1-9][0-9]*")) {
                throw new IllegalArgumentException("--epochs needs a positive whole number; usage: " + usage);
            }
            epochsGiven = Integer.parseInt(rest.remove(at + 1));
            rest.remove(at);
        }
        Charts.ExampleArgs options = Charts.parse(rest.toArray(new String[0]), "target/zoo-conversion", usage);
        int trainSize = options.quick() ? 2_000 : 60_000;
        int testSize = options.quick() ? 500 : 10_000;
        int epochs = epochsGiven > 0 ? epochsGiven : options.quick() ? 2 : 3;
        StringBuilder md = new StringBuilder("# Zoo architectures made certifiable\n\n");
        if (!only.equals("resnet")) {
            md.append(leNet(trainSize, testSize, epochs));
        }
        if (!only.equals("lenet")) {
            md.append(resNet50(!options.quick()));
        }
        File out = new File(options.out(), "zoo-conversion.md");
        Charts.createParent(out);
        Files.writeString(out.toPath(), md.toString());
        System.out.println(md);
        System.out.println("Wrote " + out);
    }

    private static String leNet(int trainSize, int testSize, int epochs) throws IOException {
        DataSet train = MnistData.load(MnistData.Kind.MNIST, true, null, trainSize);
        DataSet test = MnistData.load(MnistData.Kind.MNIST, false, null, testSize);
        MultiLayerConfiguration zoo = LeNet.builder().numClasses(10).inputShape(new int[]{1, 28, 28}).seed(1).build()
                .conf();
        MultiLayerNetwork original = new MultiLayerNetwork(zoo);
        original.init();
        Training.fit(original, train, epochs, 64, 1, "LeNet (zoo)");
        List<Row> rows = new ArrayList<>();
        rows.add(evaluate("zoo LeNet, trained", original, original.getnLayers() - 1, test, true));

        // a margin-building loss and Adam for the fine-tuning (the zoo's LeNet trains with AdaDelta and plain CE)
        LipschitzConverter.Conversion<MultiLayerConfiguration> conversion = new LipschitzConverter()
                .loss(new TemperatureCrossEntropy(TEMPERATURE)).updater(new Adam(FINE_TUNING_RATE))
                .convert(LeNet.builder().numClasses(10).inputShape(new int[]{1, 28, 28}).seed(1).build().conf(), MNIST);
        MultiLayerNetwork certified = new MultiLayerNetwork(conversion.configuration());
        certified.init();
        LipschitzConverter.copyWeights(original, certified, conversion);
        int logits = certified.getnLayers() - 2;
        rows.add(evaluate("converted, trained weights copied", certified, logits, test, false));
        Training.fit(certified, train, epochs, 64, 2, "converted LeNet");
        rows.add(evaluate("converted, fine-tuned", certified, logits, test, false));

        StringBuilder md = new StringBuilder("## LeNet on MNIST (" + trainSize + " training images, " + epochs
                + (epochs == 1 ? " epoch" : " epochs") + " each; " + testSize + " test images)\n\nReplacements:\n\n");
        conversion.report().forEach(r -> md.append("- ").append(r).append('\n'));
        md.append("\n| network | certified bound L | clean");
        for (double e : EPSILONS) {
            md.append(String.format(Locale.ROOT, " | certified, ε = %.2f", e));
        }
        md.append(" |\n|---|---|---").append("|---".repeat(EPSILONS.length)).append("|\n");
        rows.forEach(r -> md.append(r.markdown()).append('\n'));
        return md.append('\n').toString();
    }

    /**
     * Certified accuracy from the margins of the logits and the network's certified bound up to them; for the zoo
     * network the logits are the output layer's pre-activation (its certificate counts softmax as 1, so the bound of
     * the linear map is the same number).
     */
    private static Row evaluate(String stage, MultiLayerNetwork net, int logitsLayer, DataSet test,
            boolean outputLayerLogits) {
        double bound = NetworkLipschitz.upperBound(net, logitsLayer, MNIST);
        INDArray logits;
        if (outputLayerLogits) {
            INDArray hidden = CertifiedReport.logits(net, logitsLayer - 1, test.getFeatures());
            logits = hidden.mmul(net.getLayer(logitsLayer).getParam("W"))
                    .addiRowVector(net.getLayer(logitsLayer).getParam("b"));
        } else {
            logits = CertifiedReport.logits(net, logitsLayer, test.getFeatures());
        }
        double[] radii = MarginCertificate.radii(logits, test.getLabels(), bound);
        double[] certified = new double[EPSILONS.length];
        for (int i = 0; i < EPSILONS.length; i++) {
            certified[i] = MarginCertificate.certifiedAccuracy(radii, EPSILONS[i]);
        }
        Row row = new Row(stage, bound, MarginCertificate.certifiedAccuracy(radii, 0.0), certified);
        System.out.println(row.markdown());
        return row;
    }

    private static String resNet50(boolean certify) {
        ComputationGraphConfiguration zoo = ResNet50.builder().numClasses(10).seed(1).build().graphBuilder()
                .build();
        long start = System.nanoTime();
        LipschitzConverter.Conversion<ComputationGraphConfiguration> conversion = new LipschitzConverter()
                .convert(zoo, IMAGENET);
        double convertSeconds = (System.nanoTime() - start) / 1e9;
        Map<String, Long> counts = conversion.report().stream().collect(Collectors.groupingBy(
                r -> r.original().replaceAll("vertex '[^']*' ", "") + " -> " + r.converted(), TreeMap::new,
                Collectors.counting()));
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT, "## ResNet50 (224×224×3, 10 classes)%n%n"
                + "Converted in %.2f s: %d vertices in the original, %d in the converted graph, %d replacements:%n%n",
                convertSeconds, zoo.getVertices().size(), conversion.configuration().getVertices().size(),
                conversion.report().size()));
        counts.forEach((what, n) -> md.append("- ").append(n).append(" × ").append(what).append('\n'));
        conversion.report().stream().map(Replacement::reason).distinct()
                .forEach(reason -> md.append("  - ").append(reason).append('\n'));
        ComputationGraph graph = new ComputationGraph(conversion.configuration());
        graph.init();
        md.append(String.format(Locale.ROOT, "%nBuilt: %,d parameters.%n", graph.numParams()));
        if (certify) {
            start = System.nanoTime();
            String output = conversion.configuration().getNetworkOutputs().get(0);
            double bound = NetworkLipschitz.upperBound(graph, output, IMAGENET);
            double certifySeconds = (System.nanoTime() - start) / 1e9;
            Nd4j.getRandom().setSeed(2);
            start = System.nanoTime();
            INDArray probabilities = graph.outputSingle(Nd4j.rand(DataType.FLOAT, 1, 3, 224, 224));
            md.append(String.format(Locale.ROOT, "Certified bound up to the output: %.6f (%.0f s). One image: %.2f s,"
                    + " output sums to %.6f.%n", bound, certifySeconds, (System.nanoTime() - start) / 1e9,
                    probabilities.sumNumber().doubleValue()));
        } else {
            md.append("(--quick: the 224×224 certificate is skipped.)\n");
        }
        return md.toString();
    }
}
