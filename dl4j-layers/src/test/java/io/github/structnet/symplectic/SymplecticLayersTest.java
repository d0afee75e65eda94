package io.github.structnet.symplectic;

import io.github.structnet.certify.Symplecticity;
import io.github.structnet.ode.EulerResidual;
import io.github.structnet.testutil.Nets;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
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
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Gradient checks (double) of every symplectic layer and the Euler residual layer in a MultiLayerNetwork, and of
 * the phase-space vertices around symplectic layers in a ComputationGraph with workspaces; symplecticity after
 * training and after a ModelSerializer round trip; JSON round trips; bad input.
 */
class SymplecticLayersTest {

    private static OutputLayer mse(int nOut) {
        return new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(nOut).activation(Activation.IDENTITY)
                .build();
    }

    private static void assertGradients(InputType type, INDArray in, Set<String> exclude, Layer... layers) {
        NeuralNetConfiguration.ListBuilder list = Nets.gradientCheckBase().list();
        for (Layer l : layers) {
            list.layer(l);
        }
        list.layer(mse(2));
        MultiLayerConfiguration conf = list.setInputType(type).build();
        assertEquals(conf, MultiLayerConfiguration.fromJson(conf.toJson()), "JSON round trip");
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        assertTrue(Nets.gradientsMatch(net, in, Nd4j.rand(DataType.DOUBLE, in.size(0), 2), exclude),
                "gradient check of " + layers[0].getClass().getSimpleName());
    }

    @Test
    void symplecticConv2DTakesFlatConvolutionalInputs() {
        Layer layer = new SymplecticConv2D.Builder().hiddenChannels(3).build();
        MultiLayerNetwork flat = Nets.stack(InputType.convolutionalFlat(5, 4, 4), 3, layer.clone());
        MultiLayerNetwork shaped = Nets.stack(InputType.convolutional(5, 4, 4), 3, layer.clone());
        shaped.setParams(flat.params());
        INDArray x = Nd4j.randn(DataType.DOUBLE, 2, 4 * 5 * 4);
        INDArray out = flat.output(x);
        assertArrayEquals(new long[]{2, 4, 5, 4}, out.shape());
        assertEquals(shaped.output(x.reshape(2, 4, 5, 4)), out);
    }

    @Test
    void sympNetModulesTrainOnSingleExamples() {
        // minibatch 1: the modules' graphs slice q and p, and SameDiff M2.1's strided_slice_bp fails at that size
        INDArray x = Nd4j.randn(DataType.DOUBLE, 1, 4);
        InputType ff = InputType.feedForward(4);
        assertGradients(ff, x, Set.of(), new LinearModule.Builder().sublayers(2).build(),
                new ActivationModule.Builder().side(Shear.LOW).build());
    }

    @Test
    void gradientChecksInMultiLayerNetwork() {
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 3, 4);
        InputType ff = InputType.feedForward(4);
        assertGradients(ff, x, Set.of(), new GradientModule.Builder().width(5).build(),
                new GradientModule.Builder().side(Shear.LOW).width(3).activation(Activation.SIGMOID).build());
        assertGradients(ff, x, Set.of("0_h"), new GradientModule.Builder().side(Shear.LOW).width(4)
                        .activation(Activation.RELU).step(0.6).trainableStep(false).build(),
                new GradientModule.Builder().width(3).activation(Activation.SOFTPLUS).build());
        assertGradients(ff, x, Set.of(), new LinearModule.Builder().sublayers(3).build(),
                new ActivationModule.Builder().side(Shear.LOW).build());
        assertGradients(ff, x, Set.of(), new SeparableHamiltonianLayer.Builder().width(5).steps(2).build());
        assertGradients(ff, x, Set.of(), new GeneralHamiltonianLayer.Builder().width(3).step(0.05)
                .build());
        assertGradients(ff, x, Set.of("0_h"), new EulerResidual.Builder().width(5).build());
        assertGradients(InputType.convolutional(4, 3, 4), Nd4j.randn(DataType.DOUBLE, 2, 4, 4, 3), Set.of(),
                new SymplecticConv2D.Builder().hiddenChannels(3).build(),
                new SymplecticConv2D.Builder().side(Shear.LOW).hiddenChannels(2).kernelSize(1).build());
        // fixed step (state, excluded), and activations whose backprop reads σ(z) (ReLU) or needs z (softplus)
        assertGradients(InputType.convolutional(4, 3, 4), Nd4j.randn(DataType.DOUBLE, 2, 4, 4, 3), Set.of("0_h"),
                new SymplecticConv2D.Builder().side(Shear.LOW).hiddenChannels(3).activation(Activation.RELU)
                        .step(0.7).trainableStep(false).build(),
                new SymplecticConv2D.Builder().hiddenChannels(2).activation(Activation.SOFTPLUS).build());
    }

    private static ComputationGraph qpGraph(WorkspaceMode mode, org.nd4j.linalg.learning.config.IUpdater updater) {
        ComputationGraphConfiguration conf = Nets.gradientCheckBase().updater(updater)
                .trainingWorkspaceMode(mode).inferenceWorkspaceMode(mode).graphBuilder()
                .addInputs("q", "p")
                .addVertex("x", new PhaseSpaceMergeVertex(), "q", "p")
                .addLayer("up", new GradientModule.Builder().width(4).build(), "x")
                .addLayer("low", new GradientModule.Builder().side(Shear.LOW).width(4).build(), "up")
                .addVertex("qOut", new PhaseSpaceSplitVertex(PhaseSpaceSplitVertex.Half.Q), "low")
                .addVertex("pOut", new PhaseSpaceSplitVertex(PhaseSpaceSplitVertex.Half.P), "low")
                .addLayer("outQ", mse(3), "qOut")
                .addLayer("outP", mse(3), "pOut")
                .setOutputs("outQ", "outP")
                .setInputTypes(InputType.feedForward(3), InputType.feedForward(3)).build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    @Test
    void phaseSpaceVerticesPassGradientChecksWithWorkspaces() {
        for (WorkspaceMode mode : new WorkspaceMode[]{WorkspaceMode.ENABLED, WorkspaceMode.NONE}) {
            ComputationGraph g = qpGraph(mode, new org.nd4j.linalg.learning.config.NoOp());
            assertEquals(g.getConfiguration(), ComputationGraphConfiguration.fromJson(g.getConfiguration().toJson()));
            INDArray[] in = {Nd4j.randn(DataType.DOUBLE, 3, 3), Nd4j.randn(DataType.DOUBLE, 3, 3)};
            INDArray[] labels = {Nd4j.randn(DataType.DOUBLE, 3, 3), Nd4j.randn(DataType.DOUBLE, 3, 3)};
            assertTrue(Nets.gradientsMatch(g, in, labels, Set.of()), "workspaces " + mode);
        }
    }

    @Test
    void everyPhaseSpaceLayerPassesGradientCheckInComputationGraph() {
        ComputationGraphConfiguration conf = Nets.gradientCheckBase().trainingWorkspaceMode(WorkspaceMode.ENABLED)
                .graphBuilder().addInputs("q", "p")
                .addVertex("x", new PhaseSpaceMergeVertex(), "q", "p")
                .addLayer("linear", new LinearModule.Builder().build(), "x")
                .addLayer("act", new ActivationModule.Builder().side(Shear.LOW).build(), "linear")
                .addLayer("sep", new SeparableHamiltonianLayer.Builder().width(4).build(), "act")
                .addLayer("gen", new GeneralHamiltonianLayer.Builder().width(3).step(0.05)
                        .build(), "sep")
                .addLayer("euler", new EulerResidual.Builder().width(3).trainableStep(true).build(), "gen")
                .addLayer("out", mse(2), "euler")
                .setOutputs("out")
                .setInputTypes(InputType.feedForward(2), InputType.feedForward(2)).build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        INDArray[] in = {Nd4j.randn(DataType.DOUBLE, 3, 2), Nd4j.randn(DataType.DOUBLE, 3, 2)};
        assertTrue(Nets.gradientsMatch(g, in, new INDArray[]{Nd4j.randn(DataType.DOUBLE, 3, 2)}, Set.of()));

        ComputationGraphConfiguration convConf = Nets.gradientCheckBase().graphBuilder().addInputs("img")
                .addLayer("c1", new SymplecticConv2D.Builder().hiddenChannels(2).build(), "img")
                .addLayer("c2", new SymplecticConv2D.Builder().side(Shear.LOW).hiddenChannels(3).build(), "c1")
                .addLayer("out", mse(2), "c2")
                .setOutputs("out").setInputTypes(InputType.convolutional(3, 3, 2)).build();
        ComputationGraph cg = new ComputationGraph(convConf);
        cg.init();
        assertTrue(Nets.gradientsMatch(cg, new INDArray[]{Nd4j.randn(DataType.DOUBLE, 2, 2, 3, 3)},
                new INDArray[]{Nd4j.randn(DataType.DOUBLE, 2, 2)}, Set.of()));
    }

    @Test
    void convBlockSymplecticAfterTrainingAndReload(@TempDir File dir) throws IOException {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).seed(6)
                .updater(new Adam(0.05)).list()
                .layer(new SymplecticConv2D.Builder().hiddenChannels(3).build())
                .layer(new SymplecticConv2D.Builder().side(Shear.LOW).hiddenChannels(3).build())
                .layer(new org.deeplearning4j.nn.conf.layers.CnnLossLayer.Builder(LossFunctions.LossFunction.MSE)
                        .activation(Activation.IDENTITY).build())
                .setInputType(InputType.convolutional(3, 3, 2)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        INDArray x = Nd4j.randn(DataType.DOUBLE, 8, 2, 3, 3);
        INDArray y = Nd4j.randn(DataType.DOUBLE, 8, 2, 3, 3);
        for (int i = 0; i < 50; i++) {
            net.fit(x, y);
        }
        File file = new File(dir, "conv.zip");
        ModelSerializer.writeModel(net, file, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(file, true);
        assertEquals(net.params(), restored.params());
        for (MultiLayerNetwork m : new MultiLayerNetwork[]{net, restored}) {
            MultiLayerNetwork body = Nets.stack(InputType.convolutional(3, 3, 2), 6,
                    conf.getConf(0).getLayer(), conf.getConf(1).getLayer());
            body.setParams(m.params());
            double d = Symplecticity.defect(body, Nd4j.randn(DataType.DOUBLE, 1, 2, 3, 3));
            assertTrue(d <= 1e-10, "conv block defect after training " + d);
        }
    }

    @Test
    void symplecticAfterTrainingAndReload(@TempDir File dir) throws IOException {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).seed(4)
                .updater(new Adam(0.05)).list()
                .layer(new GradientModule.Builder().width(8).build())
                .layer(new LinearModule.Builder().side(Shear.LOW).build())
                .layer(new ActivationModule.Builder().side(Shear.LOW).build())
                .layer(new SeparableHamiltonianLayer.Builder().width(6).build())
                .layer(new GradientModule.Builder().side(Shear.LOW).width(8).build())
                .layer(new GeneralHamiltonianLayer.Builder().width(6).step(0.05).build())
                .layer(mse(4))
                .setInputType(InputType.feedForward(4)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        INDArray x = Nd4j.randn(DataType.DOUBLE, 32, 4);
        INDArray y = Nd4j.randn(DataType.DOUBLE, 32, 4);
        for (int i = 0; i < 60; i++) {
            net.fit(x, y);
        }
        File file = new File(dir, "sympnet.zip");
        ModelSerializer.writeModel(net, file, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(file, true);
        assertEquals(net.params(), restored.params());
        assertTrue(java.util.Arrays.equals(net.output(x).data().asDouble(), restored.output(x).data().asDouble()));
        for (MultiLayerNetwork m : new MultiLayerNetwork[]{net, restored}) {
            // layers 0-4: exact Jacobians by backpropagation
            MultiLayerNetwork modules = Nets.stack(InputType.feedForward(4), 4, conf.getConf(0).getLayer(),
                    conf.getConf(1).getLayer(), conf.getConf(2).getLayer(), conf.getConf(3).getLayer(),
                    conf.getConf(4).getLayer());
            modules.setParams(m.params().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, modules.numParams())));
            // layer 5 (implicit midpoint): the map it computes at inference, by 4th-order differences
            MultiLayerNetwork general = Nets.stack(InputType.feedForward(4), 4, conf.getConf(5).getLayer());
            general.setParams(m.getLayer(5).params());
            for (int i = 0; i < 5; i++) {
                INDArray x0 = Nd4j.randn(DataType.DOUBLE, 1, 4);
                double d = Symplecticity.defect(modules, x0);
                assertTrue(d <= 1e-10, "modules: defect after training " + d);
                double g = Symplecticity.defect(in -> general.output(in, false), modules.output(x0, false));
                assertTrue(g <= 1e-10, "general Hamiltonian layer: defect after training " + g);
            }
        }
    }

    @Test
    void badInput() {
        String odd = assertThrows(IllegalArgumentException.class, () -> new GradientModule.Builder().nIn(5).width(3)
                .build())
                .getMessage();
        assertTrue(odd.contains("GradientModule") && odd.contains("even") && odd.contains("5"), odd);
        String inferred = assertThrows(RuntimeException.class, () -> new NeuralNetConfiguration.Builder().list()
                .layer(new ActivationModule.Builder().name("act").build()).setInputType(InputType.feedForward(3))
                        .build())
                .getMessage();
        assertTrue(inferred.contains("ActivationModule 'act'") && inferred.contains("3"), inferred);
        String step = assertThrows(IllegalArgumentException.class,
                () -> new LinearModule.Builder().step(0).build()).getMessage();
        assertTrue(step.contains("LinearModule") && step.contains("step") && step.contains("0.0"), step);
        assertThrows(IllegalArgumentException.class, () -> new SeparableHamiltonianLayer.Builder().width(3).step(-0.1)
                .build());
        assertThrows(IllegalArgumentException.class, () -> new EulerResidual.Builder().width(3).step(-1).build());
        String channels = assertThrows(IllegalArgumentException.class,
                () -> new SymplecticConv2D.Builder().channels(3).hiddenChannels(2).build()).getMessage();
        assertTrue(channels.contains("SymplecticConv2D") && channels.contains("even") && channels.contains("3"),
                channels);
        assertThrows(IllegalArgumentException.class, () -> new SymplecticConv2D.Builder().hiddenChannels(2)
                .kernelSize(2).build());
        assertThrows(IllegalArgumentException.class, () -> new GradientModule.Builder().width(3)
                .activation(Activation.SOFTMAX).build());
        MultiLayerNetwork net = Nets.stack(InputType.feedForward(4), 1, new GradientModule.Builder().name("g").width(3)
                .build());
        String shape = assertThrows(IllegalArgumentException.class, () -> net.output(Nd4j.rand(DataType.DOUBLE, 2, 6)))
                .getMessage();
        assertTrue(shape.contains("GradientModule 'g'") && shape.contains("[2, 6]"), shape);
        String merge = assertThrows(IllegalArgumentException.class, () -> new PhaseSpaceMergeVertex()
                .getOutputType(0, InputType.feedForward(3), InputType.feedForward(4))).getMessage();
        assertTrue(merge.contains("same size"), merge);
    }
}
