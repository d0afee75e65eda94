package io.github.structnet.ode;

import io.github.structnet.testutil.Nets;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.RnnLossLayer;
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
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link NeuralOdeLayer}: DL4J gradient checks in double precision for a fixed-step trajectory, an adaptive final
 * state and the adjoint; adjoint and backpropagated gradients equal to 1e-6 relative (rtol 1e-10); checkpointed and
 * full-tape gradients bitwise equal; JSON and ModelSerializer round trips after training; the JVM activations equal
 * to DL4J's; clear errors for bad configurations and inputs.
 */
class NeuralOdeLayerTest {

    private static MultiLayerNetwork network(NeuralOdeLayer ode, Layer head, int d) {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        MultiLayerConfiguration conf = Nets.gradientCheckBase().list().layer(ode).layer(head)
                .setInputType(InputType.feedForward(d)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    private static RnnLossLayer trajectoryLoss() {
        return new RnnLossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY).build();
    }

    private static NeuralOdeLayer.Builder adaptive(GradientMethod gradient) {
        return new NeuralOdeLayer.Builder().hidden(6).activation(Activation.TANH).times(0, 0.4, 0.9)
                .output(NeuralOdeLayer.Output.TRAJECTORY).tolerances(1e-10, 1e-12).gradientMethod(gradient);
    }

    @Test
    void gradientCheckFixedStepTrajectoryWithTimeInputAndInputMap() {
        MultiLayerNetwork net = network(new NeuralOdeLayer.Builder().hidden(5).times(0, 0.3, 0.5)
                .method(RungeKuttaMethod.RK4).fixedStep(0.1).timeInput(true).inputActivation(Activation.CUBE)
                .output(NeuralOdeLayer.Output.TRAJECTORY).build(), trajectoryLoss(), 2);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 3, 2);
        INDArray y = Nd4j.randn(DataType.DOUBLE, 3, 2, 3);
        assertTrue(Nets.gradientsMatch(net, x, y, Set.of()));
    }

    @Test
    void gradientCheckAdaptiveFinalStateAndBothGradientMethods() {
        for (GradientMethod gradient : GradientMethod.values()) {
            MultiLayerNetwork net = network(new NeuralOdeLayer.Builder().hidden(4).activation(Activation.SOFTPLUS)
                    .times(0, 0.7).tolerances(1e-10, 1e-12).gradientMethod(gradient).build(), Nets.mseOutput(2), 2);
            INDArray x = Nd4j.randn(DataType.DOUBLE, 4, 2);
            INDArray y = Nd4j.randn(DataType.DOUBLE, 4, 2);
            assertTrue(Nets.gradientsMatch(net, x, y, Set.of()), gradient.toString());
        }
    }

    @Test
    void adjointGradientsAgreeWithBackpropagation() {
        MultiLayerNetwork backprop = network(adaptive(GradientMethod.BACKPROPAGATION).build(), trajectoryLoss(), 3);
        MultiLayerNetwork adjoint = network(adaptive(GradientMethod.ADJOINT).build(), trajectoryLoss(), 3);
        adjoint.setParams(backprop.params());
        INDArray x = Nd4j.randn(DataType.DOUBLE, 5, 3);
        INDArray y = Nd4j.randn(DataType.DOUBLE, 5, 3, 3);
        INDArray expected = gradient(backprop, x, y);
        INDArray actual = gradient(adjoint, x, y);
        double relative = expected.sub(actual).amaxNumber().doubleValue() / expected.amaxNumber().doubleValue();
        assertTrue(relative < 1e-6, "adjoint and backpropagation differ by " + relative + " (relative)");
        INDArray inputExpected = inputGradient(backprop, x, y);
        INDArray inputActual = inputGradient(adjoint, x, y);
        relative = inputExpected.sub(inputActual).amaxNumber().doubleValue()
                / inputExpected.amaxNumber().doubleValue();
        assertTrue(relative < 1e-6, "input gradients differ by " + relative);
    }

    @Test
    void checkpointedGradientsAreBitwiseEqualToFullTapeGradients() {
        for (RungeKuttaMethod method : new RungeKuttaMethod[]{RungeKuttaMethod.DORMAND_PRINCE, RungeKuttaMethod.RK4}) {
            MultiLayerNetwork full = network(adaptive(GradientMethod.BACKPROPAGATION).method(method).fixedStep(0.05)
                    .tolerances(1e-6, 1e-8).build(), trajectoryLoss(), 3);
            MultiLayerNetwork checkpointed = network(adaptive(GradientMethod.BACKPROPAGATION).method(method)
                    .fixedStep(0.05).tolerances(1e-6, 1e-8).checkpointEvery(3).build(), trajectoryLoss(), 3);
            checkpointed.setParams(full.params());
            INDArray x = Nd4j.randn(DataType.DOUBLE, 4, 3);
            INDArray y = Nd4j.randn(DataType.DOUBLE, 4, 3, 3);
            assertEquals(gradient(full, x, y), gradient(checkpointed, x, y), method.toString());
            assertEquals(inputGradient(full, x, y), inputGradient(checkpointed, x, y), method.toString());
        }
    }

    @Test
    void checkpointsKeepFewerStates() {
        double[] x0 = {1, 0, 0.5};
        OdeSolver solver = new OdeSolver(ButcherTableau.DORMAND_PRINCE, StepControl.defaults(), "test");
        Solution full = solver.solve(RungeKuttaTest.FIELD, x0, new double[]{0, 8}, OdeSolver.FULL_TAPE);
        Solution sparse = solver.solve(RungeKuttaTest.FIELD, x0, new double[]{0, 8}, 10);
        assertEquals(full.acceptedSteps(), full.storedStates());
        assertEquals((full.acceptedSteps() + 9) / 10, sparse.storedStates());
    }

    @Test
    void roundTripsThroughJsonAndModelSerializerAfterTraining(@TempDir File dir) throws Exception {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).seed(3)
                .updater(new Adam(1e-2)).list()
                .layer(adaptive(GradientMethod.ADJOINT).timeInput(true).checkpointEvery(2).build())
                .layer(trajectoryLoss()).setInputType(InputType.feedForward(2)).build();
        assertEquals(conf, MultiLayerConfiguration.fromJson(conf.toJson()));
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        INDArray x = Nd4j.randn(DataType.DOUBLE, 6, 2);
        INDArray y = Nd4j.randn(DataType.DOUBLE, 6, 2, 3);
        double before = score(net, x, y);
        for (int i = 0; i < 20; i++) {
            net.fit(x, y);
        }
        assertTrue(score(net, x, y) < before, "training lowers the loss");
        File file = new File(dir, "ode.zip");
        ModelSerializer.writeModel(net, file, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(file, true);
        assertEquals(net.getLayerWiseConfigurations(), restored.getLayerWiseConfigurations());
        assertEquals(net.output(x), restored.output(x));
        assertEquals(InputType.recurrent(2, 3), conf.getConf(0).getLayer().getOutputType(0,
                InputType.feedForward(2)));
    }

    @Test
    void jvmActivationsEqualDl4js() {
        Random random = new Random(5);
        double[] z = new double[40];
        double[] g = new double[40];
        for (int i = 0; i < z.length; i++) {
            z[i] = 3 * random.nextGaussian();
            g[i] = random.nextGaussian();
        }
        for (Activation a : Activation.values()) {
            if (a == Activation.RRELU) {
                continue;
            }
            ScalarActivation mine = new ScalarActivation(a, "test");
            if (!mine.isNative()) {
                continue;
            }
            double[] out = new double[z.length];
            mine.apply(z, out, 4, 10);
            INDArray dl4jOut = a.getActivationFunction().getActivation(Nd4j.createFromArray(z).reshape(4, 10), true);
            assertArrayEquals(dl4jOut.data().asDouble(), out, 1e-12, a + " forward");
            double[] back = g.clone();
            mine.pullback(z, back, 4, 10);
            INDArray dl4jBack = a.getActivationFunction().backprop(Nd4j.createFromArray(z).reshape(4, 10),
                    Nd4j.createFromArray(g).reshape(4, 10)).getFirst();
            assertArrayEquals(dl4jBack.data().asDouble(), back, 1e-12, a + " backprop");
        }
    }

    @Test
    void fastTanhAgreesWithMathTanhToAFewUlps() {
        Random random = new Random(9);
        double worst = 0;
        for (int i = 0; i < 200_000; i++) {
            double z = i < 100_000 ? 30 * (random.nextDouble() - 0.5) : 0.1 * random.nextGaussian();
            double exact = Math.tanh(z);
            worst = Math.max(worst, Math.abs(ScalarActivation.tanh(z) - exact) / Math.max(Math.ulp(exact), 1e-300));
        }
        assertTrue(worst <= 32, "largest error " + worst + " ulps");
        assertEquals(0.0, ScalarActivation.tanh(0.0));
        assertEquals(-1.0, ScalarActivation.tanh(-40.0));
    }

    @Test
    void badConfigurationsAndInputsAreRefusedClearly() {
        assertMessage(() -> new NeuralOdeLayer.Builder().times(0, 1, 1).build(), "strictly monotone");
        assertMessage(() -> new NeuralOdeLayer.Builder().times(1, 0).build(), "increase");
        assertMessage(() -> new NeuralOdeLayer.Builder().times(0, Double.NaN).build(), "NaN");
        assertMessage(() -> new NeuralOdeLayer.Builder().times(0).build(), "at least t0 and T");
        assertMessage(() -> new NeuralOdeLayer.Builder().tolerances(0, 1e-9).build(), "rtol");
        assertMessage(() -> new NeuralOdeLayer.Builder().tolerances(1e-6, -1).build(), "atol");
        assertMessage(() -> new NeuralOdeLayer.Builder().adjointTolerances(1e-6, 0).build(), "adjoint");
        assertMessage(() -> new NeuralOdeLayer.Builder().hidden(4, 0).build(), "hidden widths");
        assertMessage(() -> new NeuralOdeLayer.Builder().activation(Activation.RRELU).build(), "RRELU");
        assertMessage(() -> new NeuralOdeLayer.Builder().fixedStep(0).build(), "fixedStep");
        assertMessage(() -> new NeuralOdeLayer.Builder().stepLimits(0, 1e-12).build(), "maxSteps");
        assertMessage(() -> new NeuralOdeLayer.Builder().checkpointEvery(-2).build(), "checkpointEvery");

        MultiLayerNetwork net = network(new NeuralOdeLayer.Builder().name("ode").hidden(4).times(0, 1)
                .build(), Nets.mseOutput(2), 2);
        assertMessage(() -> net.output(Nd4j.ones(DataType.DOUBLE, 3, 3)), "NeuralOdeLayer 'ode'");
        assertMessage(() -> net.output(Nd4j.createFromArray(new double[][]{{1, Double.NaN}})), "NeuralOdeLayer");

        MultiLayerNetwork blowUp = network(new NeuralOdeLayer.Builder().name("fast").hidden(4).times(0, 50)
                .activation(Activation.IDENTITY).inputActivation(Activation.CUBE).stepLimits(200, 1e-12).build(),
                        Nets.mseOutput(2), 2);
        blowUp.setParams(blowUp.params().assign(1.0));
        OdeSolveException e = assertThrows(OdeSolveException.class,
                () -> blowUp.output(Nd4j.ones(DataType.DOUBLE, 1, 2).muli(3)));
        assertTrue(e.getMessage().contains("NeuralOdeLayer 'fast'") && e.getMessage().contains("t = "),
                e.getMessage());
    }

    private static void assertMessage(Runnable action, String expected) {
        RuntimeException e = assertThrows(RuntimeException.class, action::run);
        String message = e.getMessage() + (e.getCause() == null ? "" : " / " + e.getCause().getMessage());
        assertTrue(message.contains(expected), "expected '" + expected + "' in: " + message);
    }

    private static INDArray gradient(MultiLayerNetwork net, INDArray x, INDArray y) {
        net.setInput(x);
        net.setLabels(y);
        net.computeGradientAndScore();
        return net.gradient().gradient().dup();
    }

    private static INDArray inputGradient(MultiLayerNetwork net, INDArray x, INDArray y) {
        return net.calculateGradients(x, y, null, null).getSecond().dup();
    }

    private static double score(MultiLayerNetwork net, INDArray x, INDArray y) {
        return net.score(new org.nd4j.linalg.dataset.DataSet(x, y));
    }
}
