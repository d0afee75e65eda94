package io.github.structnet.lipschitz;

import io.github.structnet.testutil.CertifiedStacks;
import io.github.structnet.testutil.Nets;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link GradientFlowDenseStack}: N blocks as one layer give the results of N separate {@link GradientFlowDense}
 * layers with the same parameters (double, 1e-12): outputs in training and at inference, every parameter gradient
 * and the input gradient, parameters and power-iteration state after Adam steps; a ModelSerializer round trip is
 * bitwise; DL4J's gradient check passes; the trained stack is 1-Lipschitz by its certificate and by random and
 * adversarially searched pairs.
 */
class GradientFlowDenseStackTest {

    private static final double TOLERANCE = 1e-12;
    private static final int DIM = 5;
    private static final int BLOCKS = 3;

    private static MultiLayerNetwork network(List<Layer> layers, double learningRate) {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .seed(5).updater(new Adam(learningRate)).list();
        layers.forEach(list::layer);
        list.layer(new LossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY).build());
        MultiLayerNetwork net = new MultiLayerNetwork(list.setInputType(InputType.feedForward(DIM)).build());
        net.init();
        return net;
    }

    private static GradientFlowDense.Builder block() {
        return new GradientFlowDense.Builder().nHidden(7).activation(Activation.SOFTPLUS).safetyFraction(0.9)
                .steps(2);
    }

    private static MultiLayerNetwork separate(double learningRate) {
        return network(List.of(block().build(), block().build(), block().build()), learningRate);
    }

    private static MultiLayerNetwork stacked(double learningRate) {
        return network(List.of(block().buildStack(BLOCKS)), learningRate);
    }

    /** The separate layers' parameters copied into the stack (layer i's W, b, t, v → Wi, bi, ti, vi). */
    private static void copyInto(MultiLayerNetwork separate, MultiLayerNetwork stack) {
        for (int i = 0; i < BLOCKS; i++) {
            for (Map.Entry<String, INDArray> e : separate.getLayer(i).paramTable().entrySet()) {
                stack.getLayer(0).setParam(GradientFlowDenseStack.key(e.getKey(), i), e.getValue().dup());
            }
        }
    }

    private static void assertSameParameters(MultiLayerNetwork separate, MultiLayerNetwork stack, String when) {
        for (int i = 0; i < BLOCKS; i++) {
            for (Map.Entry<String, INDArray> e : separate.getLayer(i).paramTable().entrySet()) {
                assertClose(e.getValue(), stack.getLayer(0).getParam(GradientFlowDenseStack.key(e.getKey(), i)),
                        when + ", block " + i + " parameter " + e.getKey());
            }
        }
    }

    private static void assertClose(INDArray expected, INDArray actual, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what);
        double scale = Math.max(1.0, expected.amaxNumber().doubleValue());
        double difference = expected.sub(actual).amaxNumber().doubleValue();
        assertTrue(difference <= TOLERANCE * scale, what + ": differ by " + difference);
    }

    @Test
    void stackGivesTheResultsOfSeparateLayersInEveryPassAndAfterTraining() {
        Nd4j.getRandom().setSeed(11);
        MultiLayerNetwork separate = separate(0.05);
        // non-zero biases and steps, so that every term of the gradients is exercised
        separate.setParams(Nd4j.randn(DataType.DOUBLE, 1, separate.numParams()).muli(0.5));
        for (int i = 0; i < BLOCKS; i++) {
            ((GradientFlowDense) separate.getLayer(i).conf().getLayer()).initialiseState(
                    separate.getLayer(i).paramTable());
        }
        MultiLayerNetwork stack = stacked(0.05);
        copyInto(separate, stack);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 9, DIM);
        INDArray y = Nd4j.randn(DataType.DOUBLE, 9, DIM);

        assertClose(separate.output(x, false), stack.output(x, false), "inference output");
        assertClose(separate.output(x, true), stack.output(x, true), "training output");

        separate.setInput(x);
        separate.setLabels(y);
        separate.computeGradientAndScore();
        stack.setInput(x);
        stack.setLabels(y);
        stack.computeGradientAndScore();
        assertEquals(separate.score(), stack.score(), TOLERANCE, "score");
        Gradient expected = separate.gradient();
        Gradient actual = stack.gradient();
        for (int i = 0; i < BLOCKS; i++) {
            for (String k : List.of("W", "b", "t")) {
                assertClose(expected.getGradientFor(i + "_" + k), actual.getGradientFor(
                        "0_" + GradientFlowDenseStack.key(k, i)), "gradient of block " + i + " " + k);
            }
        }
        INDArray epsilon = Nd4j.randn(DataType.DOUBLE, 9, DIM);
        assertClose(inputGradient(separate, x, epsilon), inputGradient(stack, x, epsilon), "input gradient");

        for (int step = 0; step < 5; step++) {
            separate.fit(x, y);
            stack.fit(x, y);
        }
        assertSameParameters(separate, stack, "after 5 Adam steps");
        assertClose(separate.output(x, false), stack.output(x, false), "inference output after training");
    }

    /** ∂⟨ε, f(x)⟩/∂x through the blocks alone (the loss layer excluded). */
    private static INDArray inputGradient(MultiLayerNetwork net, INDArray x, INDArray epsilon) {
        int blocks = net.getnLayers() - 1;
        org.deeplearning4j.nn.workspace.LayerWorkspaceMgr mgr =
                org.deeplearning4j.nn.workspace.LayerWorkspaceMgr.noWorkspaces();
        INDArray[] inputs = new INDArray[blocks];
        INDArray current = x;
        for (int i = 0; i < blocks; i++) {
            inputs[i] = current;
            net.getLayer(i).setInput(current, mgr);
            current = net.getLayer(i).activate(true, mgr).dup();
        }
        INDArray g = epsilon;
        for (int i = blocks - 1; i >= 0; i--) {
            net.getLayer(i).setInput(inputs[i], mgr);
            net.getLayer(i).activate(true, mgr);
            g = net.getLayer(i).backpropGradient(g, mgr).getSecond().dup();
        }
        return g;
    }

    @Test
    void reloadIsBitwiseAndTrainingContinuesIdentically(@TempDir File dir) throws IOException {
        Nd4j.getRandom().setSeed(12);
        MultiLayerNetwork stack = stacked(0.05);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 8, DIM);
        INDArray y = Nd4j.randn(DataType.DOUBLE, 8, DIM);
        for (int step = 0; step < 3; step++) {
            stack.fit(x, y);
        }
        File file = new File(dir, "stack.zip");
        ModelSerializer.writeModel(stack, file, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(file, true);
        assertEquals(stack.getLayerWiseConfigurations(), restored.getLayerWiseConfigurations());
        assertArrayEquals(Nets.trainingState(stack), Nets.trainingState(restored), "parameters and updater state");
        assertArrayEquals(stack.output(x).data().asDouble(), restored.output(x).data().asDouble(), "outputs");
        stack.fit(x, y);
        restored.fit(x, y);
        assertArrayEquals(Nets.trainingState(stack), Nets.trainingState(restored), "one more step");
    }

    @Test
    void stackPassesGradientCheck() {
        Nd4j.getRandom().setSeed(13);
        MultiLayerConfiguration conf = Nets.gradientCheckBase().list()
                .layer(new SpectralDense.Builder().nOut(4).build())
                .layer(new GradientFlowDense.Builder().nHidden(5).activation(Activation.TANH).steps(2).buildStack(3))
                .layer(Nets.mseOutput(2))
                .setInputType(InputType.feedForward(3)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        // non-zero biases and steps
        INDArray params = net.params();
        params.addi(Nd4j.randn(DataType.DOUBLE, params.shape()).muli(0.1));
        for (int i = 0; i < 2; i++) {
            ((io.github.structnet.samediff.StructuredParameters) net.getLayer(i).conf().getLayer())
                    .initialiseState(net.getLayer(i).paramTable());
        }
        assertTrue(Nets.gradientsMatch(net, Nd4j.rand(DataType.DOUBLE, 4, 3), Nd4j.rand(DataType.DOUBLE, 4, 2),
                Set.of("0_v", "1_v0", "1_v1", "1_v2")));
    }

    private static MultiLayerConfiguration classifier(boolean withLoss) {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .seed(7).updater(new Adam(0.5)).list()
                .layer(new SpectralDense.Builder().nOut(8).build())
                .layer(new GradientFlowDense.Builder().nHidden(12).buildStack(3))
                .layer(new SpectralDense.Builder().nOut(3).build());
        if (withLoss) {
            list.layer(new LossLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX).build());
        }
        return list.setInputType(InputType.feedForward(4)).build();
    }

    @Test
    void trainedStackIsOneLipschitzByCertificateAndPairSearch(@TempDir File dir) throws IOException {
        MultiLayerNetwork trained = CertifiedStacks.trainThreeClass(
                GradientFlowDenseStackTest::classifier, 4, 3, 150);
        Map<String, INDArray> params = trained.getLayer(1).paramTable();
        GradientFlowDenseStack conf = (GradientFlowDenseStack) trained.getLayer(1).conf().getLayer();
        assertTrue(conf.lipschitzBound(params) <= 1.0, "stack certificate " + conf.lipschitzBound(params));
        MultiLayerNetwork body = CertifiedStacks.body(trained, GradientFlowDenseStackTest::classifier);
        CertifiedStacks.assertCertified(body, 4, "GradientFlowDenseStack", "after training");
        MultiLayerNetwork restored = CertifiedStacks.reloadBitwise(trained, dir, 4);
        CertifiedStacks.assertCertified(CertifiedStacks.body(restored, GradientFlowDenseStackTest::classifier), 4,
                "GradientFlowDenseStack", "after reload");
    }

    @Test
    void badSettingsAreRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new GradientFlowDense.Builder().name("flow").nHidden(4).buildStack(0));
        assertTrue(e.getMessage().contains("GradientFlowDense 'flow'") && e.getMessage().contains("blocks")
                && e.getMessage().contains("got 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new GradientFlowDense.Builder().nHidden(4).safetyFraction(1.5).buildStack(2));
        assertTrue(e.getMessage().contains("safetyFraction"), e.getMessage());
    }
}
