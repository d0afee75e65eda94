package io.github.structnet.samediff;

import io.github.structnet.testutil.Nets;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The corrected runtime: exact gradients (identity layer, gradient checks of a vertex with a reduction under
 * workspaces), setParam, regularisation score, state updates once per iteration with zero gradient, vertex
 * output types, masks and clone.
 */
class CorrectedRuntimeTest {

    private static MultiLayerNetwork scaleNet(int n) {
        MultiLayerConfiguration conf = Nets.gradientCheckBase().l2(0.3).list()
                .layer(new ScaleLayer(n))
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(n).nOut(2)
                        .activation(Activation.IDENTITY).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    @Test
    void identityLayerReturnsTheIncomingGradientExactly() {
        MultiLayerNetwork net = scaleNet(3);
        net.initGradientsView();
        INDArray x = Nd4j.rand(DataType.DOUBLE, 4, 3);
        org.deeplearning4j.nn.api.Layer layer = net.getLayer(0);
        layer.setInput(x, LayerWorkspaceMgr.noWorkspaces());
        layer.activate(true, LayerWorkspaceMgr.noWorkspaces());
        INDArray eps = Nd4j.valueArrayOf(new long[]{4, 3}, 3.0, DataType.DOUBLE);
        Pair<Gradient, INDArray> back = layer.backpropGradient(eps, LayerWorkspaceMgr.noWorkspaces());
        assertEquals(eps, back.getSecond(), "input gradient must equal the incoming gradient");
        // ∂/∂s of Σ ε ⊙ x ⊙ s = Σ_batch ε ⊙ x
        assertEquals(eps.mul(x).sum(true, 0), back.getFirst().getGradientFor("s"));
        assertNull(back.getFirst().getGradientFor("count"), "state is not trained by backprop: no gradient entry");
        assertEquals(back.getFirst().getGradientFor("s").sumNumber().doubleValue(),
                net.getGradientsViewArray().sumNumber().doubleValue(), 0.0,
                "the state's part of the flattened gradient is zero");
    }

    @Test
    void setParamAssignsAndRegularisationIsScored() {
        MultiLayerNetwork net = scaleNet(3);
        INDArray s = Nd4j.create(new double[][]{{2, -1, 0.5}});
        net.getLayer(0).setParam("s", s);
        assertEquals(s, net.getLayer(0).getParam("s"));
        net.getLayer(0).setParam("count", Nd4j.valueArrayOf(new long[]{1, 1}, 5.0, DataType.DOUBLE));
        // l2(0.3): score 0.5 · 0.3 · Σ s² for the weights; the state counter is not regularised
        double expected = 0.5 * 0.3 * s.mul(s).sumNumber().doubleValue();
        assertEquals(expected, net.getLayer(0).calcRegularizationScore(true), 1e-12);
    }

    @Test
    void setParamsAssignsTheWholeVector() {
        MultiLayerNetwork net = scaleNet(3);
        INDArray all = Nd4j.rand(DataType.DOUBLE, 1, net.numParams());
        net.setParams(all);
        assertEquals(all.reshape(net.numParams()), net.params().reshape(net.numParams()));
        assertEquals(all.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 3)).reshape(1, 3), net.getLayer(0).getParam("s"));
    }

    @Test
    void stateIsUpdatedOncePerIterationAndNeverByTheUpdater() {
        MultiLayerConfiguration conf = new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder()
                .dataType(DataType.DOUBLE).updater(new Adam(0.1)).list()
                .layer(new ScaleLayer(3))
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(3).nOut(2)
                        .activation(Activation.IDENTITY).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        INDArray x = Nd4j.rand(DataType.DOUBLE, 5, 3);
        INDArray y = Nd4j.rand(DataType.DOUBLE, 5, 2);
        for (int i = 0; i < 7; i++) {
            net.fit(x, y);
        }
        net.output(x); // inference never updates state
        assertEquals(7.0, net.getLayer(0).getParam("count").getDouble(0), "one state update per training iteration");
    }

    @Test
    void stackedLayersPassGradientCheck() {
        MultiLayerConfiguration conf = Nets.gradientCheckBase().list()
                .layer(new DenseLayer.Builder().nIn(3).nOut(3).activation(Activation.TANH).build())
                .layer(new ScaleLayer(3))
                .layer(new ScaleLayer(3))
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(3).nOut(2)
                        .activation(Activation.IDENTITY).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        net.getLayer(1).setParam("s", Nd4j.create(new double[][]{{0.7, -1.3, 2.0}}));
        assertTrue(Nets.gradientsMatch(net, Nd4j.rand(DataType.DOUBLE, 4, 3), Nd4j.rand(DataType.DOUBLE, 4, 2),
                Set.of("1_count", "2_count")));
    }

    private static ComputationGraph vertexGraph(WorkspaceMode mode) {
        return vertexGraph(mode, new org.nd4j.linalg.learning.config.NoOp());
    }

    private static ComputationGraph vertexGraph(WorkspaceMode mode, org.nd4j.linalg.learning.config.IUpdater updater) {
        ComputationGraphConfiguration conf = Nets.gradientCheckBase().updater(updater)
                .trainingWorkspaceMode(mode).inferenceWorkspaceMode(mode)
                .graphBuilder().addInputs("in1", "in2")
                .addLayer("d", new DenseLayer.Builder().nOut(4).activation(Activation.TANH).build(), "in1")
                .addVertex("gate", new MeanGateVertex(4), "d", "in2")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(2)
                        .activation(Activation.IDENTITY).build(), "gate")
                .setOutputs("out")
                .setInputTypes(InputType.feedForward(3), InputType.feedForward(5))
                .build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    @Test
    void vertexWithReductionPassesGradientCheckWithWorkspaces() {
        for (WorkspaceMode mode : new WorkspaceMode[]{WorkspaceMode.ENABLED, WorkspaceMode.NONE}) {
            ComputationGraph g = vertexGraph(mode);
            INDArray[] in = {Nd4j.rand(DataType.DOUBLE, 3, 3), Nd4j.rand(DataType.DOUBLE, 3, 5)};
            INDArray[] labels = {Nd4j.rand(DataType.DOUBLE, 3, 2)};
            assertTrue(Nets.gradientsMatch(g, in, labels, Set.of()), "gradient check with workspaces " + mode);
        }
    }

    @Test
    void vertexTrainsWithWorkspacesEnabled() {
        ComputationGraph g = vertexGraph(WorkspaceMode.ENABLED, new Adam(0.01));
        MultiDataSet ds = new MultiDataSet(new INDArray[]{Nd4j.rand(DataType.DOUBLE, 8, 3), Nd4j.rand(DataType.DOUBLE,
                8, 5)},
                new INDArray[]{Nd4j.rand(DataType.DOUBLE, 8, 2)});
        double before = g.score(ds);
        INDArray gateBefore = g.getVertex("gate").params().dup();
        for (int i = 0; i < 20; i++) {
            g.fit(ds);
        }
        assertTrue(g.score(ds) < before, "training a graph with the vertex must lower the score");
        assertNotEquals(gateBefore, g.getVertex("gate").params(), "the vertex's own parameters train");
    }

    @Test
    void vertexHasOutputTypeMasksAndClone() {
        MeanGateVertex v = new MeanGateVertex(4);
        assertEquals(InputType.feedForward(4), v.getOutputType(0, InputType.feedForward(4), InputType.feedForward(5)));
        INDArray mask = Nd4j.ones(2, 1);
        assertEquals(mask, v.feedForwardMaskArrays(new INDArray[]{null, mask}, null, 2).getFirst());
        GraphVertex copy = v.clone();
        assertNotSame(v, copy);
        assertEquals(v, copy);
    }
}
