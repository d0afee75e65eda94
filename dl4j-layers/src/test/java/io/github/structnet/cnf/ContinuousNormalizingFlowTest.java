package io.github.structnet.cnf;

import io.github.structnet.ode.DenseVectorField;
import io.github.structnet.ode.GradientMethod;
import io.github.structnet.ode.NeuralOdeLayer;
import io.github.structnet.testutil.Nets;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import java.io.File;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ContinuousNormalizingFlow}: the log-density change of a linear field is −T·tr(A); Hutchinson's estimate is
 * unbiased; the forward-mode trace equals a finite-difference trace; sampling then evaluating returns the sample's
 * log-density and latent point; the augmented field's pull-back matches finite differences; DL4J gradient checks in
 * double precision with both gradient methods; training lowers the negative log-likelihood; a saved flow reloads
 * bitwise; bad configurations and inputs fail by name.
 */
class ContinuousNormalizingFlowTest {

    private static NeuralOdeLayer.Builder field(Activation activation, double horizon, int... hidden) {
        return new NeuralOdeLayer.Builder().hidden(hidden).activation(activation).timeInput(true)
                .times(0, horizon).tolerances(1e-11, 1e-13);
    }

    private static MultiLayerNetwork network(ContinuousNormalizingFlow flow, int d) {
        MultiLayerNetwork net = new MultiLayerNetwork(Nets.gradientCheckBase().list().layer(flow)
                .layer(new LossLayer.Builder(new FlowLikelihood()).activation(Activation.IDENTITY).build())
                .setInputType(InputType.feedForward(d)).build());
        net.init();
        return net;
    }

    private static MultiLayerNetwork randomised(ContinuousNormalizingFlow flow, int d, double scale, long seed) {
        MultiLayerNetwork net = network(flow, d);
        Nd4j.getRandom().setSeed(seed);
        net.setParams(Nd4j.randn(DataType.DOUBLE, 1, net.numParams()).muli(scale));
        return net;
    }

    @Test
    void linearFieldChangesTheLogDensityByMinusTTimesTheTrace() {
        double horizon = 0.7;
        MultiLayerNetwork net = randomised(new ContinuousNormalizingFlow.Builder()
                .ode(field(Activation.IDENTITY, horizon, 3).build()).build(), 2, 0.8, 3);
        INDArray a = net.getParam("0_W0").get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 2),
                org.nd4j.linalg.indexing.NDArrayIndex.all()).mmul(net.getParam("0_W1"));
        double trace = a.getDouble(0, 0) + a.getDouble(1, 1);
        INDArray z = Nd4j.randn(DataType.DOUBLE, 5, 2);
        FlowDensity.Points samples = FlowDensity.of(net).push(z);
        double[] start = z.data().asDouble();
        for (int b = 0; b < 5; b++) {
            double change = samples.logDensity()[b] - FlowLikelihood.logStandardNormal(start, 2 * b, 2);
            assertEquals(-horizon * trace, change, 1e-10);
        }
    }

    @Test
    void hutchinsonEstimateIsUnbiasedAndTheForwardModeTraceIsTheJacobianTrace() {
        int d = 4;
        DenseVectorField.Architecture arch = new DenseVectorField.Architecture(d, new int[]{6, 5}, Activation.TANH,
                Activation.IDENTITY, true);
        Random random = new Random(7);
        double[] theta = random.doubles(arch.parameterCount()).map(v -> 2 * v - 1).toArray();
        double[] x = {0.3, -0.8, 0.5, 1.1};
        double t = 0.4;
        double[][] units = new double[d][d];
        for (int j = 0; j < d; j++) {
            units[j][j] = 1;
        }
        double[] out = new double[d + 1];
        new TraceField(arch, theta, 1, units, "exact").evaluate(t, java.util.Arrays.copyOf(x, d + 1), out);
        double exact = out[d];
        DenseVectorField f = new DenseVectorField(arch, theta, 1, "plain");
        double fdTrace = 0;
        double h = 1e-5;
        for (int j = 0; j < d; j++) {
            double[] plus = x.clone();
            double[] minus = x.clone();
            plus[j] += h;
            minus[j] -= h;
            double[] fp = new double[d];
            double[] fm = new double[d];
            f.evaluate(t, plus, fp);
            f.evaluate(t, minus, fm);
            fdTrace += (fp[j] - fm[j]) / (2 * h);
        }
        assertEquals(fdTrace, exact, 1e-8);

        int draws = 10_000;
        double[] signs = new double[draws * d];
        double[] state = new double[draws * (d + 1)];
        for (int b = 0; b < draws; b++) {
            System.arraycopy(x, 0, state, b * d, d);
            for (int i = 0; i < d; i++) {
                signs[b * d + i] = random.nextBoolean() ? 1 : -1;
            }
        }
        double[] estimates = new double[draws * (d + 1)];
        new TraceField(arch, theta, draws, new double[][]{signs}, "hutchinson").evaluate(t, state, estimates);
        double mean = 0;
        double square = 0;
        for (int b = 0; b < draws; b++) {
            double e = estimates[draws * d + b];
            mean += e;
            square += e * e;
        }
        mean /= draws;
        double standardError = Math.sqrt((square / draws - mean * mean) / draws);
        assertTrue(standardError > 0, "the estimate must vary between draws");
        assertEquals(exact, mean, 3 * standardError, "mean of " + draws + " Hutchinson draws");
    }

    @Test
    void samplingThenEvaluatingReturnsTheLatentPointAndTheLogDensity() {
        MultiLayerNetwork net = randomised(new ContinuousNormalizingFlow.Builder()
                .ode(field(Activation.TANH, 1.0, 8).build()).build(), 2, 0.9, 11);
        FlowDensity flow = FlowDensity.of(net);
        FlowDensity.Points samples = flow.sample(20, 5);
        FlowDensity.Points evaluated = flow.logDensity(samples.data());
        assertTrue(samples.data().sub(samples.latent()).norm2Number().doubleValue() > 0.1, "the flow must move");
        assertEquals(0, evaluated.latent().sub(samples.latent()).amaxNumber().doubleValue(), 1e-8);
        assertArrayEquals(samples.logDensity(), evaluated.logDensity(), 1e-6);
        INDArray output = net.output(samples.data());
        for (int b = 0; b < 20; b++) {
            double fromLayer = FlowLikelihood.logStandardNormal(output.getRow(b).toDoubleVector(), 0, 2)
                    + output.getDouble(b, 2);
            assertEquals(evaluated.logDensity()[b], fromLayer, 1e-12);
        }
    }

    @Test
    void augmentedFieldPullbackMatchesFiniteDifferencesWithHutchinsonProbes() {
        int d = 3;
        int batch = 2;
        DenseVectorField.Architecture arch = new DenseVectorField.Architecture(d, new int[]{4, 3},
                Activation.SOFTPLUS, Activation.IDENTITY, true);
        Random random = new Random(3);
        double[] theta = random.doubles(arch.parameterCount()).map(v -> 2 * v - 1).toArray();
        double[] probe = random.doubles(batch * d).map(v -> v < 0.5 ? -1 : 1).toArray();
        TraceField field = new TraceField(arch, theta, batch, new double[][]{probe}, "pullback");
        double[] z = random.doubles(batch * (d + 1)).map(v -> 2 * v - 1).toArray();
        double[] c = random.doubles(batch * (d + 1)).map(v -> 2 * v - 1).toArray();
        double t = 0.3;
        double[] stateGradient = new double[z.length];
        double[] parameterGradient = new double[theta.length];
        field.pullback(t, z, c, stateGradient, parameterGradient);
        double h = 1e-6;
        for (int i = 0; i < z.length; i++) {
            double saved = z[i];
            z[i] = saved + h;
            double plus = dot(field, t, z, c);
            z[i] = saved - h;
            double minus = dot(field, t, z, c);
            z[i] = saved;
            assertEquals((plus - minus) / (2 * h), stateGradient[i], 1e-7, "state " + i);
        }
        for (int i = 0; i < theta.length; i++) {
            double saved = theta[i];
            theta[i] = saved + h;
            double plus = dot(field, t, z, c);
            theta[i] = saved - h;
            double minus = dot(field, t, z, c);
            theta[i] = saved;
            assertEquals((plus - minus) / (2 * h), parameterGradient[i], 1e-7, "parameter " + i);
        }
    }

    private static double dot(TraceField field, double t, double[] z, double[] c) {
        double[] out = new double[z.length];
        field.evaluate(t, z, out);
        double sum = 0;
        for (int i = 0; i < out.length; i++) {
            sum += out[i] * c[i];
        }
        return sum;
    }

    @Test
    void gradientCheckWithBothGradientMethods() {
        for (GradientMethod method : GradientMethod.values()) {
            MultiLayerNetwork net = randomised(new ContinuousNormalizingFlow.Builder()
                    .ode(field(Activation.TANH, 0.6, 4).gradientMethod(method).build()).build(), 2, 0.7, 21);
            INDArray x = Nd4j.randn(DataType.DOUBLE, 3, 2);
            assertTrue(Nets.gradientsMatch(net, x, x, Set.of()), method.toString());
        }
    }

    @Test
    void trainingLowersTheNegativeLogLikelihoodAndTheFlowReloadsBitwise(@TempDir File dir) throws Exception {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        MultiLayerNetwork net = new MultiLayerNetwork(new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder()
                .dataType(DataType.DOUBLE).seed(1).updater(new Adam(0.05)).list()
                .layer(new ContinuousNormalizingFlow.Builder().ode(new NeuralOdeLayer.Builder().hidden(8)
                        .timeInput(true).tolerances(1e-5, 1e-5).build()).build())
                .layer(new LossLayer.Builder(new FlowLikelihood()).activation(Activation.IDENTITY).build())
                .setInputType(InputType.feedForward(2)).build());
        net.init();
        Nd4j.getRandom().setSeed(2);
        INDArray data = Nd4j.randn(DataType.DOUBLE, 64, 2).muli(0.3).addi(Nd4j.createFromArray(1.5, -1.0));
        net.fit(data, data);
        double before = net.score();
        for (int i = 0; i < 40; i++) {
            net.fit(data, data);
        }
        double after = net.score(new org.nd4j.linalg.dataset.DataSet(data, data));
        assertTrue(after < before - 1.0, "negative log-likelihood " + before + " -> " + after);
        File file = new File(dir, "flow.zip");
        ModelSerializer.writeModel(net, file, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(file, true);
        assertArrayEquals(FlowDensity.of(net).logDensity(data).logDensity(),
                FlowDensity.of(restored).logDensity(data).logDensity(), 0.0);
    }

    @Test
    void badConfigurationsAndInputsFailByName() {
        assertMessage(() -> new ContinuousNormalizingFlow.Builder().name("cnf").ode(new NeuralOdeLayer.Builder()
                .activation(Activation.RELU).build()).build(), "'cnf'", "RELU");
        assertMessage(() -> new ContinuousNormalizingFlow.Builder().ode(new NeuralOdeLayer.Builder()
                .times(0, 0.5, 1).build()).build(), "{0, T}", "[0.0, 0.5, 1.0]");
        assertMessage(() -> new ContinuousNormalizingFlow.Builder().ode(new NeuralOdeLayer.Builder()
                .inputActivation(Activation.CUBE).build()).build(), "input activation", "CUBE");
        assertMessage(() -> new ContinuousNormalizingFlow.Builder().exactTraceUpTo(-1).build(), "exactTraceUpTo",
                "-1");
        MultiLayerNetwork net = network(new ContinuousNormalizingFlow.Builder().name("density")
                .ode(field(Activation.TANH, 1, 3).build()).build(), 2);
        assertMessage(() -> net.output(Nd4j.zeros(DataType.DOUBLE, 4, 3)), "'density'", "[4, 3]");
        assertMessage(() -> net.output(Nd4j.createFromArray(new double[][]{{0, Double.NaN}})), "'density'", "NaN");
        assertMessage(() -> FlowDensity.of(Nets.stack(InputType.feedForward(2), 1, Nets.mseOutput(2))),
                "first layer", "OutputLayer");
        assertMessage(() -> FlowDensity.of(net).sample(0, 1), "'density'", "got 0");
    }

    private static void assertMessage(Runnable action, String... expected) {
        Exception e = assertThrows(Exception.class, action::run);
        for (String s : expected) {
            assertTrue(String.valueOf(e.getMessage()).contains(s), "message '" + e.getMessage() + "' lacks " + s);
        }
    }
}
