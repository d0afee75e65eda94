package io.github.structnet.convert;

import io.github.structnet.certify.NetworkLipschitz;
import io.github.structnet.lipschitz.SpectralConv2D;
import io.github.structnet.lipschitz.SpectralDense;
import io.github.structnet.testutil.LipschitzProbe;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LocalResponseNormalization;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;

import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The converter's networks are 1-Lipschitz: certified ≤ 1 from their weights, and no random or adversarially searched
 * pair exceeds the certificate; every replacement is reported; trained weights are copied into StructNet's layouts;
 * layers and vertices without a 1-Lipschitz counterpart are refused by name.
 */
class LipschitzConverterTest {

    private static final InputType IMAGE = InputType.convolutionalFlat(8, 8, 1);

    private static NeuralNetConfiguration.Builder base() {
        return new NeuralNetConfiguration.Builder().seed(5).dataType(DataType.DOUBLE).updater(new Adam(1e-3));
    }

    /** An ordinary LeNet-like network: 5×5 convolution (mode as given), batch norm, overlapping max pooling, LRN. */
    private static MultiLayerConfiguration ordinary(ConvolutionMode firstMode) {
        return base().list()
                .layer(new ConvolutionLayer.Builder(5, 5).nOut(4).activation(Activation.RELU)
                        .convolutionMode(firstMode).build())
                .layer(new BatchNormalization.Builder().build())
                .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(3, 3).stride(2, 2)
                        .convolutionMode(ConvolutionMode.Same).build())
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.TANH)
                        .convolutionMode(ConvolutionMode.Same).build())
                .layer(new LocalResponseNormalization.Builder().build())
                .layer(new DenseLayer.Builder().nOut(12).activation(Activation.RELU).dropOut(0.9).l2(1e-4).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(IMAGE).build();
    }

    private static void assertOneLipschitz(String what, MultiLayerNetwork net) {
        double bound = NetworkLipschitz.upperBound(net, net.getnLayers() - 1, IMAGE);
        assertTrue(bound <= 1.0, what + ": certified bound " + bound + "\n"
                + NetworkLipschitz.breakdown(net, net.getnLayers() - 1, IMAGE));
        UnaryOperator<INDArray> f = in -> net.output(in, false);
        int dim = (int) IMAGE.arrayElementsPerExample();
        double random = LipschitzProbe.maxRandomPairRatio(f, dim, 32, 1);
        double searched = LipschitzProbe.maxAdversarialPairRatio(withoutLossLayer(net), dim, 3, 20, 2);
        assertTrue(random <= bound && searched <= bound, what + ": pair ratios " + random + " / " + searched
                + " above the certificate " + bound);
    }

    /** The same network and weights without its trailing (parameter-free) loss layer, for backpropagated search. */
    private static MultiLayerNetwork withoutLossLayer(MultiLayerNetwork net) {
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations().clone();
        conf.getConfs().remove(conf.getConfs().size() - 1);
        MultiLayerNetwork body = new MultiLayerNetwork(conf);
        body.init(net.params().dup(), false);
        return body;
    }

    @Test
    void convertsAnOrdinaryNetworkIntoACertifiedOne() {
        LipschitzConverter.Conversion<MultiLayerConfiguration> truncated = new LipschitzConverter()
                .convert(ordinary(ConvolutionMode.Truncate), IMAGE);
        String report = String.join("\n", truncated.report().stream().map(Replacement::toString).toList());
        for (String expected : new String[]{"layer 0 (ConvolutionLayer) -> SpectralConv2D + ActivationLayer (relu)",
                "to 'same'", "layer 1 (BatchNormalization) -> removed",
                "layer 2 (SubsamplingLayer) -> SubsamplingLayer (max, 2x2",
                "layer 4 (LocalResponseNormalization) -> removed",
                "layer 5 (DenseLayer) -> SpectralDense + ActivationLayer (relu)",
                "layer 6 (OutputLayer) -> SpectralDense + LossLayer"}) {
            assertTrue(report.contains(expected), "report lacks '" + expected + "':\n" + report);
        }
        SpectralDense converted5 = (SpectralDense) truncated.configuration().getConf(Integer.parseInt(truncated
                .parameterSources().entrySet().stream().filter(e -> e.getValue().equals("5")).findFirst().orElseThrow()
                .getKey())).getLayer();
        assertTrue(converted5.getIDropout() != null && !converted5.getRegularization().isEmpty()
                && converted5.getUpdater() != null, "dropout, regularisation and updater carried over: " + converted5);
        MultiLayerNetwork changed = new MultiLayerNetwork(truncated.configuration());
        changed.init();
        assertOneLipschitz("converted, initialised", changed);
        MultiLayerNetwork truncatedOriginal = new MultiLayerNetwork(ordinary(ConvolutionMode.Truncate));
        truncatedOriginal.init();
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> LipschitzConverter.copyWeights(truncatedOriginal, changed, truncated));
        assertTrue(refused.getMessage().contains("layer 5") && refused.getMessage().contains("feature-map sizes"),
                refused.getMessage());

        MultiLayerNetwork original = new MultiLayerNetwork(ordinary(ConvolutionMode.Same));
        original.init();
        LipschitzConverter.Conversion<MultiLayerConfiguration> c = new LipschitzConverter()
                .convert(ordinary(ConvolutionMode.Same), IMAGE);
        MultiLayerNetwork converted = new MultiLayerNetwork(c.configuration());
        converted.init();

        LipschitzConverter.copyWeights(original, converted, c);
        INDArray kernel = converted.getLayer(0).getParam(SpectralConv2D.KERNEL_KEY);
        assertEquals(original.getLayer(0).getParam("W").permute(2, 3, 1, 0), kernel, "kernel layout");
        int dense = Integer.parseInt(c.parameterSources().entrySet().stream()
                .filter(e -> e.getValue().equals("5")).findFirst().orElseThrow().getKey());
        assertEquals(original.getLayer(5).getParam("W").transpose(),
                converted.getLayer(dense).getParam(SpectralDense.WEIGHT_KEY), "dense layout");
        // same function up to the normalisation: the first layer's outputs are proportional (biases are 0 here)
        Nd4j.getRandom().setSeed(8);
        INDArray probe = Nd4j.rand(DataType.DOUBLE, 2, 1, 8, 8);
        INDArray before = original.getLayer(0).activate(probe, false, LayerWorkspaceMgr.noWorkspaces()).dup();
        INDArray after = Transforms.relu(converted.getLayer(0).activate(probe, false,
                LayerWorkspaceMgr.noWorkspaces()).dup(), false);
        double mismatch = before.div(before.norm2Number()).sub(after.div(after.norm2Number())).amaxNumber()
                .doubleValue();
        assertTrue(mismatch <= 1e-10, "copied kernel computes another function: " + mismatch);
        assertOneLipschitz("converted, trained weights copied", converted);

        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 6, 64);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, 6, 3);
        for (int i = 0; i < 6; i++) {
            y.putScalar(i, i % 3, 1.0);
        }
        for (int i = 0; i < 20; i++) {
            converted.fit(x, y);
        }
        assertTrue(Double.isFinite(converted.score()), "fine-tuning score " + converted.score());
        assertOneLipschitz("converted, fine-tuned", converted);
    }

    @Test
    void residualGraphsAverageTheirSums() {
        ComputationGraphConfiguration conf = base().graphBuilder().addInputs("in")
                .addLayer("c1", new ConvolutionLayer.Builder(3, 3).nOut(4).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).build(), "in")
                .addLayer("bn", new BatchNormalization.Builder().build(), "c1")
                .addLayer("c2", new ConvolutionLayer.Builder(3, 3).nOut(4).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.IDENTITY).build(), "bn")
                .addVertex("sum", new ElementWiseVertex(ElementWiseVertex.Op.Add), "c1", "c2")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "sum")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out").setInputTypes(InputType.convolutional(6, 6, 2)).build();
        LipschitzConverter.Conversion<ComputationGraphConfiguration> c = new LipschitzConverter()
                .convert(conf, InputType.convolutional(6, 6, 2));
        String report = c.report().toString();
        assertTrue(report.contains("ElementWiseVertex Average")
                && report.contains("vertex 'bn' (BatchNormalization) -> removed"), report);
        ComputationGraph graph = new ComputationGraph(c.configuration());
        graph.init();
        double bound = NetworkLipschitz.upperBound(graph, "out", InputType.convolutional(6, 6, 2));
        assertTrue(bound <= 1.0, "graph bound " + bound);
        Nd4j.getRandom().setSeed(4);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 16, 72);
        INDArray x2 = x.add(Nd4j.randn(DataType.DOUBLE, 16, 72).muli(0.1));
        double ratio = LipschitzProbe.maxRatio(in -> graph.outputSingle(in.reshape(in.size(0), 2, 6, 6)), x, x2);
        assertTrue(ratio <= bound, "pair ratio " + ratio + " above " + bound);
    }

    @Test
    void refusesWhatHasNoOneLipschitzCounterpartByName() {
        MultiLayerConfiguration evenKernel = base().list()
                .layer(new ConvolutionLayer.Builder(2, 2).nOut(2).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(2).build())
                .setInputType(IMAGE).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new LipschitzConverter().convert(evenKernel, IMAGE));
        assertTrue(e.getMessage().contains("layer 0") && e.getMessage().contains("kernel 2x2")
                && e.getMessage().contains("odd square kernel"), e.getMessage());

        MultiLayerConfiguration selu = base().list()
                .layer(new DenseLayer.Builder().nOut(4).activation(Activation.SELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(2).build())
                .setInputType(InputType.feedForward(3)).build();
        e = assertThrows(IllegalArgumentException.class,
                () -> new LipschitzConverter().convert(selu, InputType.feedForward(3)));
        assertTrue(e.getMessage().contains("layer 0") && e.getMessage().contains("selu"), e.getMessage());

        ComputationGraphConfiguration difference = base().graphBuilder().addInputs("a", "b")
                .addVertex("diff", new ElementWiseVertex(ElementWiseVertex.Op.Subtract), "a", "b")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(2).build(), "diff")
                .setOutputs("out").setInputTypes(InputType.feedForward(3), InputType.feedForward(3)).build();
        e = assertThrows(IllegalArgumentException.class, () -> new LipschitzConverter().convert(difference,
                InputType.feedForward(3), InputType.feedForward(3)));
        assertTrue(e.getMessage().contains("vertex 'diff'") && e.getMessage().contains("Subtract"), e.getMessage());
    }
}
