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
 * DL4J GradientCheckUtil in double precision for GradientFlowConv2D and SpectralConv2D (stride 1 and 2, odd input
 * size so that the stride-2 padding is asymmetric), stacked, in a MultiLayerNetwork and a ComputationGraph.
 * The power-iteration vectors are state, excluded from the check.
 */
class ConvLayerGradientTest {

    @Test
    void convStackPassesGradientCheckInMultiLayerNetwork() {
        Nd4j.getRandom().setSeed(1);
        MultiLayerConfiguration conf = Nets.gradientCheckBase().list()
                .layer(new SpectralConv2D.Builder().outChannels(3).build())
                .layer(new GradientFlowConv2D.Builder().hiddenChannels(4).activation(Activation.TANH).build())
                .layer(new GradientFlowConv2D.Builder().hiddenChannels(2).kernelSize(1).activation(Activation.SOFTPLUS)
                        .build())
                .layer(new SpectralConv2D.Builder().outChannels(2).stride(2).hasBias(false).build())
                .layer(new GradientFlowConv2D.Builder().hiddenChannels(3).kernelSize(5).build())
                .layer(Nets.mseOutput(2))
                .setInputType(InputType.convolutional(5, 5, 2)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        INDArray in = Nd4j.rand(DataType.DOUBLE, 2, 2, 5, 5);
        INDArray labels = Nd4j.rand(DataType.DOUBLE, 2, 2);
        assertTrue(Nets.gradientsMatch(net, in, labels, Set.of("0_v", "1_v", "2_v", "3_v", "4_v")));
    }

    @Test
    void convStackPassesGradientCheckInComputationGraph() {
        Nd4j.getRandom().setSeed(2);
        ComputationGraphConfiguration conf = Nets.gradientCheckBase().graphBuilder()
                .addInputs("in")
                .addLayer("lift", new SpectralConv2D.Builder().outChannels(4).build(), "in")
                .addLayer("flow", new GradientFlowConv2D.Builder().hiddenChannels(3).activation(Activation.SIGMOID)
                        .build(), "lift")
                .addLayer("linear", new GradientFlowConv2D.Builder().hiddenChannels(2).activation(Activation.IDENTITY)
                        .build(), "flow")
                .addLayer("down", new SpectralConv2D.Builder().outChannels(3).stride(2).build(), "linear")
                .addLayer("out", Nets.mseOutput(2), "down")
                .setOutputs("out")
                .setInputTypes(InputType.convolutional(4, 6, 1)).build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        INDArray[] in = {Nd4j.rand(DataType.DOUBLE, 2, 1, 4, 6)};
        INDArray[] labels = {Nd4j.rand(DataType.DOUBLE, 2, 2)};
        assertTrue(Nets.gradientsMatch(net, in, labels, Set.of("lift_v", "flow_v", "linear_v", "down_v")));
    }
}
