package io.github.structnet.lipschitz;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Behaviour of the dense layers in DL4J: equivalence with the formula (plain ND4J reference), τ range,
 * InputType inference, JSON and ModelSerializer round trips of a ComputationGraph, insertion into an existing
 * graph with TransferLearning, power-iteration tracking while training.
 */
class DenseLayerBehaviourTest {

    private static MultiLayerNetwork single(org.deeplearning4j.nn.conf.layers.Layer layer, int nIn) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).seed(3).list()
                .layer(layer).setInputType(InputType.feedForward(nIn)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    @Test
    void gradientFlowMatchesTheFormulaAtInference() {
        MultiLayerNetwork net = single(new GradientFlowDense.Builder().nHidden(6).safetyFraction(0.8).build(), 4);
        INDArray w = net.getParam("0_W");
        INDArray b = net.getParam("0_b");
        net.setParam("0_t", Nd4j.scalar(DataType.DOUBLE, 1.3).reshape(1, 1));
        for (int mb : new int[]{1, 3, 17}) {
            INDArray x = Nd4j.randn(DataType.DOUBLE, mb, 4);
            double bound = io.github.structnet.spectral.GramIteration.upperBound(w);
            double tau = 0.8 * 2 / (bound * bound + Norms.FLOOR) / (1 + Math.exp(-1.3));
            INDArray pre = x.mmul(w.transpose()).addRowVector(b);
            INDArray expected = x.sub(org.nd4j.linalg.ops.transforms.Transforms.relu(pre).mmul(w).mul(tau));
            INDArray actual = net.output(x);
            assertTrue(expected.equalsWithEps(actual, 1e-12), "minibatch " + mb);
        }
    }

    @Test
    void stepStaysInsideTheNonExpansiveRangeWhateverT() {
        MultiLayerNetwork net = single(new GradientFlowDense.Builder().nHidden(5).build(), 5);
        for (double t : new double[]{-50, 0, 50}) {
            net.setParam("0_t", Nd4j.scalar(DataType.DOUBLE, t).reshape(1, 1));
            double j = io.github.structnet.testutil.LipschitzProbe.maxJacobianNorm(
                    io.github.structnet.testutil.LipschitzProbe.layerAtInference(net, 0), 5, 50, 1.0, 3);
            assertTrue(j <= 1 + 1e-6, "t = " + t + ": Jacobian norm " + j);
        }
        net.setParam("0_t", Nd4j.scalar(DataType.DOUBLE, -50).reshape(1, 1));
        INDArray x = Nd4j.randn(DataType.DOUBLE, 4, 5);
        assertTrue(net.output(x).equalsWithEps(x, 1e-12), "τ → 0 gives the identity");
    }

    @Test
    void powerIterationTracksTheNormWhileTraining() {
        for (org.deeplearning4j.nn.conf.layers.Layer layer : new org.deeplearning4j.nn.conf.layers.Layer[]{
                new SpectralDense.Builder().nOut(6).build(), new GradientFlowDense.Builder().nHidden(6).build()}) {
            MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).seed(5)
                    .updater(new Adam(0.05)).list()
                    .layer(layer)
                    .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(2)
                            .activation(Activation.IDENTITY).build())
                    .setInputType(InputType.feedForward(3)).build();
            MultiLayerNetwork net = new MultiLayerNetwork(conf);
            net.init();
            INDArray x = Nd4j.randn(DataType.DOUBLE, 32, 3);
            INDArray y = Nd4j.randn(DataType.DOUBLE, 32, 2);
            INDArray w0 = net.getParam("0_W").dup();
            for (int i = 0; i < 100; i++) {
                net.fit(x, y);
            }
            INDArray w = net.getParam("0_W");
            assertTrue(w.distance2(w0) > 0.1, "the weights moved");
            INDArray v = net.getParam("0_v");
            double estimate = w.mmul(v.transpose()).norm2Number().doubleValue() / v.norm2Number().doubleValue();
            double exact = io.github.structnet.spectral.SpectralNorm.exact(w);
            assertEquals(exact, estimate, 1e-3 * exact,
                    layer.getClass().getSimpleName() + ": one power-iteration step per training step keeps up with W");
        }
    }

    @Test
    void inputTypeInferenceSetsNIn() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().list()
                .layer(new SpectralDense.Builder().nOut(8).build())
                .layer(new GradientFlowDense.Builder().nHidden(3).build())
                .setInputType(InputType.convolutional(2, 3, 1)).build();
        assertEquals(6, ((SpectralDense) conf.getConf(0).getLayer()).getNIn());
        assertEquals(8, ((GradientFlowDense) conf.getConf(1).getLayer()).getNIn());
        assertTrue(conf.getInputPreProcess(0) != null, "convolutional input is flattened");
    }

    private static ComputationGraph existingGraph() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).seed(1)
                .updater(new Adam(0.01)).graphBuilder().addInputs("in")
                .addLayer("dense", new DenseLayer.Builder().nOut(6).activation(Activation.RELU).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "dense")
                .setOutputs("out").setInputTypes(InputType.feedForward(4)).build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    @Test
    void insertIntoAnExistingGraphWithTransferLearning() {
        ComputationGraph original = existingGraph();
        INDArray denseW = original.getParam("dense_W").dup();
        ComputationGraph extended = new TransferLearning.GraphBuilder(original)
                .removeVertexKeepConnections("out")
                .addLayer("flow", new GradientFlowDense.Builder().nIn(6).nHidden(12).build(), "dense")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(6).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "flow")
                .setOutputs("out").build();
        // DL4J's TransferLearning builds the new graph in FLOAT; the weights are kept (to float precision)
        INDArray kept = extended.getParam("dense_W").castTo(DataType.DOUBLE);
        assertTrue(denseW.castTo(DataType.FLOAT).castTo(DataType.DOUBLE).equalsWithEps(kept, 0.0),
                "existing weights are kept");
        INDArray x = Nd4j.randn(DataType.FLOAT, 10, 4);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 10, 3);
        y.getColumn(1).assign(1);
        DataSet ds = new DataSet(x, y);
        double before = extended.score(ds);
        for (int i = 0; i < 30; i++) {
            extended.fit(ds);
        }
        assertTrue(extended.score(ds) < before, "the extended graph trains");
        assertArrayEquals(new long[]{10, 3}, extended.outputSingle(x).shape());
    }

    @Test
    void graphJsonAndModelSerializerRoundTrips(@TempDir File dir) throws IOException {
        ComputationGraph g = new TransferLearning.GraphBuilder(existingGraph())
                .removeVertexKeepConnections("out")
                .addLayer("flow", new GradientFlowDense.Builder().nIn(6).nHidden(5).activation(Activation.ELU)
                        .safetyFraction(0.9).powerIterations(2).build(), "dense")
                .addLayer("project", new SpectralDense.Builder().nIn(6).nOut(4).build(), "flow")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(4).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "project")
                .setOutputs("out").build();
        String json = g.getConfiguration().toJson();
        assertEquals(g.getConfiguration(), ComputationGraphConfiguration.fromJson(json));
        assertTrue(json.contains("io.github.structnet.lipschitz.GradientFlowDense")
                && json.contains("\"safetyFraction\" : 0.9"));

        INDArray x = Nd4j.randn(DataType.DOUBLE, 5, 4);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, 5, 3);
        y.getColumn(2).assign(1);
        for (int i = 0; i < 3; i++) {
            g.fit(new DataSet(x, y));
        }
        File file = new File(dir, "graph.zip");
        ModelSerializer.writeModel(g, file, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(file, true);
        assertEquals(g.params(), restored.params());
        assertEquals(g.getParam("flow_v"), restored.getParam("flow_v"));
        assertTrue(java.util.Arrays.equals(g.outputSingle(x).data().asDouble(), restored.outputSingle(x).data()
                .asDouble()));
        restored.fit(new DataSet(x, y));
        assertNotEquals(g.params(), restored.params(), "training continues after reload");
        assertEquals(g.getUpdater().getStateViewArray(), ModelSerializer.restoreComputationGraph(file, true)
                .getUpdater().getStateViewArray(), "updater state is saved");
    }
}
