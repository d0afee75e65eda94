package io.github.structnet.lipschitz;

import io.github.structnet.testutil.Nets;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DL4J GradientCheckUtil in double precision for GradientFlowDense and SpectralDense, stacked, in a
 * MultiLayerNetwork and a ComputationGraph. The power-iteration vectors are state, excluded from the check
 * (their gradient is zero by design and tested in CorrectedRuntimeTest).
 */
class GradientFlowDenseGradientTest {

    @Test
    void stackPassesGradientCheckInMultiLayerNetwork() {
        Nd4j.getRandom().setSeed(1);
        MultiLayerConfiguration conf = Nets.gradientCheckBase().list()
                .layer(new SpectralDense.Builder().nOut(5).build())
                .layer(new GradientFlowDense.Builder().nHidden(7).activation(Activation.TANH).build())
                .layer(new GradientFlowDense.Builder().nHidden(3).activation(Activation.SOFTPLUS).steps(3).build())
                .layer(new GradientFlowDense.Builder().nHidden(4).build())
                .layer(new SpectralDense.Builder().nOut(3).hasBias(false).build())
                .layer(Nets.mseOutput(2))
                .setInputType(InputType.feedForward(4)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        INDArray in = Nd4j.rand(DataType.DOUBLE, 3, 4);
        INDArray labels = Nd4j.rand(DataType.DOUBLE, 3, 2);
        assertTrue(Nets.gradientsMatch(net, in, labels, Set.of("0_v", "1_v", "2_v", "3_v", "4_v")));
    }

    @Test
    void stackPassesGradientCheckInComputationGraph() {
        Nd4j.getRandom().setSeed(2);
        ComputationGraphConfiguration conf = Nets.gradientCheckBase().graphBuilder()
                .addInputs("in")
                .addLayer("lift", new SpectralDense.Builder().nOut(6).build(), "in")
                .addLayer("flow1", new GradientFlowDense.Builder().nHidden(9).activation(Activation.TANH).build(),
                        "lift")
                .addLayer("flow2", new GradientFlowDense.Builder().nHidden(4).activation(Activation.SIGMOID).build(),
                        "flow1")
                .addLayer("flow3", new GradientFlowDense.Builder().nHidden(5).activation(Activation.IDENTITY).build(),
                        "flow2")
                .addLayer("project", new SpectralDense.Builder().nOut(3).build(), "flow3")
                .addLayer("out", Nets.mseOutput(2), "project")
                .setOutputs("out")
                .setInputTypes(InputType.feedForward(5)).build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        INDArray[] in = {Nd4j.rand(DataType.DOUBLE, 4, 5)};
        INDArray[] labels = {Nd4j.rand(DataType.DOUBLE, 4, 2)};
        assertTrue(Nets.gradientsMatch(net, in, labels, Set.of("lift_v", "flow1_v", "flow2_v", "flow3_v",
                "project_v")));
    }
}
