package io.github.structnet.ode;

import io.github.structnet.testutil.Nets;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.RnnLossLayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link NeuralOdeVertex}: each series' states at its own times equal a solve of that series alone at those times;
 * masked entries are zero and ignored; DL4J's gradient check in double with irregular, masked times for both gradient
 * methods; JSON and ModelSerializer round trips; clear errors for bad times and masks.
 */
class NeuralOdeVertexTest {

    private static final double[][] TIMES = {{0.1, 0.35, 0.9, 0}, {0.2, 0.25, 0.6, 1.3}, {0.05, 0.7, 0, 0}};
    private static final double[][] MASK = {{1, 1, 1, 0}, {1, 1, 1, 1}, {1, 1, 0, 0}};

    private static NeuralOdeLayer.Builder settings(GradientMethod gradient) {
        return new NeuralOdeLayer.Builder().nIn(2).hidden(5).timeInput(true).tolerances(1e-10, 1e-12)
                .gradientMethod(gradient);
    }

    private static ComputationGraph graph(NeuralOdeLayer ode) {
        return graph(ode, new NoOp());
    }

    /**
     * The vertex and a loss; with an updater that trains, the loss is an {@link RnnOutputLayer} (DL4J M2.1's
     * {@code ComputationGraph.fit} does nothing when no layer has parameters: it counts layers' parameters only).
     */
    private static ComputationGraph graph(NeuralOdeLayer ode, IUpdater updater) {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        org.deeplearning4j.nn.conf.layers.Layer loss = updater instanceof NoOp
                ? new RnnLossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY).build()
                : new RnnOutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(2).activation(Activation.IDENTITY)
                        .build();
        ComputationGraphConfiguration conf = Nets.gradientCheckBase().updater(updater).graphBuilder()
                .addInputs(NeuralOdeVertex.STATE_INPUT, NeuralOdeVertex.TIMES_INPUT)
                .addVertex("ode", new NeuralOdeVertex.Builder().ode(ode).startTime(0).build(),
                        NeuralOdeVertex.STATE_INPUT, NeuralOdeVertex.TIMES_INPUT)
                .addLayer("loss", loss, "ode")
                .setOutputs("loss")
                .setInputTypes(InputType.feedForward(2), InputType.feedForward(4)).build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        return net;
    }

    private static INDArray[] inputs() {
        return new INDArray[]{Nd4j.createFromArray(new double[][]{{0.5, -0.2}, {1.0, 0.3}, {-0.4, 0.8}}),
            Nd4j.createFromArray(TIMES)};
    }

    @Test
    void eachSeriesGetsItsOwnTimesAsIfSolvedAlone() {
        ComputationGraph net = graph(settings(GradientMethod.BACKPROPAGATION).build());
        INDArray[] in = inputs();
        net.setLayerMaskArrays(new INDArray[]{null, Nd4j.createFromArray(MASK)}, null);
        INDArray out = net.outputSingle(false, in[0], in[1]);
        assertEquals(3, out.size(0));
        assertEquals(2, out.size(1));
        assertEquals(4, out.size(2));
        NeuralOdeVertex vertex = (NeuralOdeVertex) net.getConfiguration().getVertices().get("ode");
        NeuralOdeLayer ode = vertex.getOde();
        double[] theta = ode.flatten(net.getVertex("ode").paramTable(false));
        for (int i = 0; i < 3; i++) {
            int valid = (int) java.util.Arrays.stream(MASK[i]).sum();
            double[] times = new double[valid + 1];
            System.arraycopy(TIMES[i], 0, times, 1, valid);
            Solution alone = ode.solve(theta, in[0].getRow(i).dup().data().asDouble(), 1, times, false);
            for (int k = 0; k < 4; k++) {
                for (int c = 0; c < 2; c++) {
                    double expected = k < valid ? alone.output(k + 1)[c] : 0.0;
                    assertEquals(expected, out.getDouble(i, c, k), 1e-8, "series " + i + ", time " + k);
                }
            }
        }
    }

    @Test
    void gradientCheckWithIrregularMaskedTimesForBothMethods() {
        for (GradientMethod gradient : GradientMethod.values()) {
            ComputationGraph net = graph(settings(gradient).build());
            INDArray mask = Nd4j.createFromArray(MASK);
            INDArray labels = Nd4j.randn(DataType.DOUBLE, 3, 2, 4);
            boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(net)
                    .inputs(inputs()).labels(new INDArray[]{labels}).inputMask(new INDArray[]{null, mask})
                    .labelMask(new INDArray[]{mask}).epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-9)
                    .print(GradientCheckUtil.PrintMode.FAILURES_ONLY).exitOnFirstError(false));
            assertTrue(ok, gradient.toString());
        }
    }

    @Test
    void roundTripsThroughJsonAndModelSerializer(@TempDir File dir) throws Exception {
        ComputationGraph net = graph(settings(GradientMethod.ADJOINT).checkpointEvery(3).build(), new Adam(1e-2));
        INDArray vertexBefore = net.getVertex("ode").params().dup();
        ComputationGraphConfiguration conf = net.getConfiguration();
        assertEquals(conf, ComputationGraphConfiguration.fromJson(conf.toJson()));
        INDArray mask = Nd4j.createFromArray(MASK);
        MultiDataSet data = new MultiDataSet(inputs(), new INDArray[]{Nd4j.randn(DataType.DOUBLE, 3, 2, 4)},
                new INDArray[]{null, mask}, new INDArray[]{mask});
        double before = net.score(data);
        for (int i = 0; i < 10; i++) {
            net.fit(data);
        }
        assertTrue(net.score(data) < before, "training lowers the loss: " + before + " -> " + net.score(data)
                + " updater "
                + ((NeuralOdeVertex) net.getConfiguration().getVertices().get("ode")).getUpdater() + " params "
                        + net.params());
        File file = new File(dir, "vertex.zip");
        ModelSerializer.writeModel(net, file, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(file, true);
        INDArray[] in = inputs();
        net.setLayerMaskArrays(new INDArray[]{null, mask}, null);
        restored.setLayerMaskArrays(new INDArray[]{null, mask}, null);
        assertEquals(net.outputSingle(false, in[0], in[1]), restored.outputSingle(false, in[0], in[1]));
    }

    @Test
    void badTimesAndMasksAreRefusedClearly() {
        ComputationGraph net = graph(settings(GradientMethod.BACKPROPAGATION).build());
        INDArray x0 = inputs()[0];
        assertMessage(net, x0, new double[][]{{0.1, 0.1, 0.2, 0.3}, {0.1, 0.2, 0.3, 0.4}, {0.1, 0.2, 0.3, 0.4}},
                null, "strictly increasing");
        assertMessage(net, x0, new double[][]{{-0.1, 0.1, 0.2, 0.3}, {0.1, 0.2, 0.3, 0.4}, {0.1, 0.2, 0.3, 0.4}},
                null, "before the start time");
        assertMessage(net, x0, new double[][]{{0.1, Double.NaN, 0.2, 0.3}, {0.1, 0.2, 0.3, 0.4},
            {0.1, 0.2, 0.3, 0.4}}, null, "NaN");
        assertMessage(net, x0, TIMES, new double[][]{{1, 1}, {1, 1}, {1, 1}}, "mask of the times input");
        assertMessage(net, x0, TIMES, new double[][]{{1, 0.5, 1, 0}, {1, 1, 1, 1}, {1, 1, 0, 0}}, "0 or 1");
        assertThrows(IllegalArgumentException.class, () -> new NeuralOdeVertex.Builder()
                .ode(new NeuralOdeLayer.Builder().build()).build());
    }

    private static void assertMessage(ComputationGraph net, INDArray x0, double[][] times, double[][] mask,
                                      String expected) {
        net.setLayerMaskArrays(new INDArray[]{null, mask == null ? null : Nd4j.createFromArray(mask)}, null);
        RuntimeException e = assertThrows(RuntimeException.class,
                () -> net.outputSingle(false, x0, Nd4j.createFromArray(times)));
        assertTrue(e.getMessage().contains(expected) && e.getMessage().contains("NeuralOdeVertex"), e.getMessage());
        net.clearLayerMaskArrays();
    }
}
