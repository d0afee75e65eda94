package io.github.structnet.samediff;

import io.github.structnet.lipschitz.AolConv2D;
import io.github.structnet.lipschitz.AolDense;
import io.github.structnet.lipschitz.BjorckDense;
import io.github.structnet.lipschitz.GradientFlowConv2D;
import io.github.structnet.lipschitz.GradientFlowDense;
import io.github.structnet.lipschitz.GroupSort;
import io.github.structnet.lipschitz.NormalizedRowsDense;
import io.github.structnet.lipschitz.SllConv2D;
import io.github.structnet.lipschitz.SllDense;
import io.github.structnet.lipschitz.SpectralConv2D;
import io.github.structnet.lipschitz.SpectralDense;
import io.github.structnet.ode.NeuralOdeLayer;
import io.github.structnet.ode.RungeKuttaMethod;
import io.github.structnet.symplectic.GradientModule;
import io.github.structnet.symplectic.Shear;
import io.github.structnet.symplectic.SymplecticConv2D;
import io.github.structnet.testutil.Nets;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One formula, one truth: every layer with a hand-written pass ({@link DirectPass}) is run through its SameDiff
 * definition ({@code defineLayer}) and through the direct pass, by the same corrected runtime, on the same weights
 * and inputs, in double precision, for minibatches 1, 3 and 17. Outputs agree in training and in inference
 * mode; input gradients and the gradients of every trainable parameter agree after a training-mode forward pass
 * (the only kind DL4J backpropagates through), all to 1e-10 relative to the largest entry.
 * <p>Variants cover both branches of each pass: an activation whose derivative is read off σ(z) and one that keeps z,
 * both shear sides, a fixed and a trainable step, and both data layouts of the gradient-flow convolution.
 * Not tested here: float precision and the oneDNN routes (the float-against-double tests cover those).
 */
class DefinitionMatchesDirectPassTest {

    private static final double TOLERANCE = 1e-10;
    private static final int[] MINIBATCHES = {1, 3, 17};

    @Test
    void gradientFlowDenseDefinitionMatchesItsDirectPass() {
        for (Activation activation : new Activation[]{Activation.RELU, Activation.SOFTPLUS}) {
            assertRoutesAgree(InputType.feedForward(5), new GradientFlowDense.Builder().nHidden(7)
                    .activation(activation).safetyFraction(0.9).build());
            assertRoutesAgree(InputType.feedForward(5), new GradientFlowDense.Builder().nHidden(6)
                    .activation(activation).steps(3).build());
        }
    }

    @Test
    void gradientFlowDenseStackDefinitionMatchesItsDirectPass() {
        assertRoutesAgree(InputType.feedForward(5), new GradientFlowDense.Builder().nHidden(6)
                .activation(Activation.SOFTPLUS).safetyFraction(0.9).buildStack(3));
        assertRoutesAgree(InputType.feedForward(4), new GradientFlowDense.Builder().nHidden(5).steps(2).buildStack(2));
    }

    @Test
    void groupSortDefinitionMatchesItsDirectPassInBothLayoutsAndFeedForward() {
        for (CNN2DFormat format : CNN2DFormat.values()) {
            assertRoutesAgree(InputType.convolutional(3, 2, 6, format), new GroupSort.Builder().groupSize(3).build());
            assertRoutesAgree(InputType.convolutional(2, 3, 4, format), new GroupSort.Builder().fullSort().build());
        }
        assertRoutesAgree(InputType.feedForward(6), new GroupSort.Builder().groupSize(2).build());
        assertRoutesAgree(InputType.feedForward(5), new GroupSort.Builder().fullSort().build());
    }

    @Test
    void spectralDenseDefinitionMatchesItsDirectPass() {
        assertRoutesAgree(InputType.feedForward(5), new SpectralDense.Builder().nOut(7).build());
        assertRoutesAgree(InputType.feedForward(6), new SpectralDense.Builder().nOut(3).hasBias(false).build());
    }

    @Test
    void spectralConv2DDefinitionMatchesItsDirectPassInBothLayoutsAndStrides() {
        for (CNN2DFormat format : CNN2DFormat.values()) {
            assertRoutesAgree(InputType.convolutional(5, 4, 2, format), new SpectralConv2D.Builder().outChannels(3)
                    .build());
            assertRoutesAgree(InputType.convolutional(5, 6, 3, format), new SpectralConv2D.Builder().outChannels(4)
                    .stride(2).hasBias(false).build());
            assertRoutesAgree(InputType.convolutional(6, 5, 2, format), new SpectralConv2D.Builder().outChannels(2)
                    .kernelSize(5).stride(2).build());
        }
    }

    @Test
    void aolDenseDefinitionMatchesItsDirectPass() {
        assertRoutesAgree(InputType.feedForward(5), new AolDense.Builder().nOut(7).build());
        assertRoutesAgree(InputType.feedForward(6), new AolDense.Builder().nOut(3).hasBias(false).build());
    }

    @Test
    void bjorckDenseDefinitionMatchesItsDirectPass() {
        assertRoutesAgree(InputType.feedForward(4),
                new BjorckDense.Builder().nOut(6).orthogonalisationSteps(4).build());
        assertRoutesAgree(InputType.feedForward(6), new BjorckDense.Builder().nOut(3).hasBias(false).build());
    }

    @Test
    void normalizedRowsDenseDefinitionMatchesItsDirectPass() {
        assertRoutesAgree(InputType.feedForward(5), new NormalizedRowsDense.Builder().nOut(4).build());
    }

    @Test
    void sllDenseDefinitionMatchesItsDirectPass() {
        assertRoutesAgree(InputType.feedForward(5), new SllDense.Builder().nHidden(7).build());
        assertRoutesAgree(InputType.feedForward(4), new SllDense.Builder().nHidden(3).activation(Activation.TANH)
                .build());
        assertRoutesAgree(InputType.feedForward(4), new SllDense.Builder().nHidden(6).activation(Activation.SOFTPLUS)
                .build());
    }

    @Test
    void gradientFlowConv2DDefinitionMatchesItsDirectPassInBothLayouts() {
        for (CNN2DFormat format : CNN2DFormat.values()) {
            for (Activation activation : new Activation[]{Activation.RELU, Activation.ELU}) {
                assertRoutesAgree(InputType.convolutional(5, 4, 2, format), new GradientFlowConv2D.Builder()
                        .hiddenChannels(3).activation(activation).build());
            }
        }
    }

    @Test
    void certifiedConvDefinitionsMatchTheirDirectPassesInBothLayouts() {
        for (CNN2DFormat format : CNN2DFormat.values()) {
            assertRoutesAgree(InputType.convolutional(5, 4, 2, format), new AolConv2D.Builder().outChannels(3).build());
            assertRoutesAgree(InputType.convolutional(3, 4, 3, format), new AolConv2D.Builder().outChannels(2)
                    .kernelSize(5).hasBias(false).build());
            for (Activation activation : new Activation[]{Activation.RELU, Activation.TANH}) {
                assertRoutesAgree(InputType.convolutional(5, 4, 2, format), new SllConv2D.Builder()
                        .hiddenChannels(3).activation(activation).build());
            }
        }
    }

    @Test
    void gradientModuleDefinitionMatchesItsDirectPass() {
        assertRoutesAgree(InputType.feedForward(4), new GradientModule.Builder().width(6).build());
        assertRoutesAgree(InputType.feedForward(4), new GradientModule.Builder().side(Shear.LOW).width(5)
                .activation(Activation.SOFTPLUS).trainableStep(false).step(0.3).build());
    }

    @Test
    void symplecticConv2DDefinitionMatchesItsDirectPass() {
        assertRoutesAgree(InputType.convolutional(5, 4, 4), new SymplecticConv2D.Builder().hiddenChannels(3).build());
        assertRoutesAgree(InputType.convolutional(5, 4, 4), new SymplecticConv2D.Builder().side(Shear.LOW)
                .hiddenChannels(2).activation(Activation.SOFTPLUS).trainableStep(false).step(0.4).build());
    }

    @Test
    void neuralOdeDefinitionMatchesItsDirectPassForFixedStepMethods() {
        assertRoutesAgree(InputType.feedForward(3), new NeuralOdeLayer.Builder().hidden(5).times(0, 0.25, 0.6)
                .method(RungeKuttaMethod.RK4).fixedStep(0.1).output(NeuralOdeLayer.Output.TRAJECTORY)
                .timeInput(true).inputActivation(Activation.CUBE).build());
        assertRoutesAgree(InputType.feedForward(2), new NeuralOdeLayer.Builder().hidden(4, 3)
                .activation(Activation.SOFTPLUS).times(0, 0.5).method(RungeKuttaMethod.HEUN).fixedStep(0.2)
                .build());
    }

    private static void assertRoutesAgree(InputType type, org.deeplearning4j.nn.conf.layers.Layer conf) {
        MultiLayerNetwork direct = Nets.stack(type, 7, conf);
        // non-zero bias and step parameters, so that every term of the gradients is exercised
        if (direct.numParams() > 0) {
            direct.setParams(Nd4j.randn(DataType.DOUBLE, 1, direct.numParams()).muli(0.5));
        }
        ((StructuredParameters) direct.getLayer(0).conf().getLayer()).initialiseState(direct.getLayer(0).paramTable());
        // (DL4J cannot clone a network without parameters)
        MultiLayerNetwork definition = direct.numParams() > 0 ? direct.clone() : Nets.stack(type, 7, conf.clone());
        ((StructLayerRuntime) definition.getLayer(0)).useDefinition();
        direct.initGradientsView();
        definition.initGradientsView();
        String name = conf.getClass().getSimpleName();
        for (int mb : MINIBATCHES) {
            long[] shape = inputShape(type, mb);
            INDArray x = Nd4j.randn(DataType.DOUBLE, shape);
            INDArray epsilon = Nd4j.randn(DataType.DOUBLE, output(direct, x, false).shape());
            String where = name + ", minibatch " + mb + ", input " + Arrays.toString(shape);

            assertClose(output(definition, x, false), output(direct, x, false), where + ", inference output");
            assertClose(output(definition, x, true), output(direct, x, true), where + ", training output");
            Pair<Gradient, INDArray> expected = backprop(definition, x, epsilon);
            Pair<Gradient, INDArray> actual = backprop(direct, x, epsilon);
            assertClose(expected.getSecond(), actual.getSecond(), where + ", input gradient");
            Map<String, INDArray> expectedParams = expected.getFirst().gradientForVariable();
            assertEquals(expectedParams.keySet(), actual.getFirst().gradientForVariable().keySet(), where);
            for (Map.Entry<String, INDArray> e : expectedParams.entrySet()) {
                assertClose(e.getValue(), actual.getFirst().getGradientFor(e.getKey()),
                        where + ", gradient of " + e.getKey());
            }
        }
    }

    private static long[] inputShape(InputType type, int mb) {
        long[] shape = type.getShape(true);
        shape[0] = mb;
        return shape;
    }

    private static INDArray output(MultiLayerNetwork net, INDArray x, boolean training) {
        Layer layer = net.getLayer(0);
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        layer.setInput(x, mgr);
        return layer.activate(training, mgr).dup();
    }

    private static Pair<Gradient, INDArray> backprop(MultiLayerNetwork net, INDArray x, INDArray epsilon) {
        Layer layer = net.getLayer(0);
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        layer.setInput(x, mgr);
        layer.activate(true, mgr);
        Pair<Gradient, INDArray> p = layer.backpropGradient(epsilon, mgr);
        Gradient copy = new org.deeplearning4j.nn.gradient.DefaultGradient();
        p.getFirst().gradientForVariable().forEach((k, g) -> copy.gradientForVariable().put(k, g.dup()));
        return new Pair<>(copy, p.getSecond().dup());
    }

    private static void assertClose(INDArray expected, INDArray actual, String what) {
        assertTrue(Arrays.equals(expected.shape(), actual.shape()), what + ": shapes "
                + Arrays.toString(expected.shape())
                + " and " + Arrays.toString(actual.shape()));
        double scale = Math.max(1.0, expected.amaxNumber().doubleValue());
        double difference = expected.sub(actual).amaxNumber().doubleValue();
        assertTrue(difference <= TOLERANCE * scale, what + ": definition and direct pass differ by " + difference
                + " (scale " + scale + ")");
    }
}
