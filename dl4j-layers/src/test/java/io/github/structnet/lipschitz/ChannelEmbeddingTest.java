package io.github.structnet.lipschitz;

import io.github.structnet.certify.NetworkLipschitz;
import io.github.structnet.testutil.Nets;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The channel lift (zero padding) is an exact isometry, the projection its left inverse; the lifted gradient-flow
 * denoiser P∘N∘L passes gradient checks, is certified 1-Lipschitz, and keeps its weights and bound when moved to
 * another input size.
 */
class ChannelEmbeddingTest {

    private static MultiLayerConfiguration denoiser(InputType type) {
        return Nets.gradientCheckBase().list()
                .layer(ChannelEmbedding.lift(4))
                .layer(new GradientFlowConv2D.Builder().hiddenChannels(3).build())
                .layer(new GradientFlowConv2D.Builder().hiddenChannels(3).kernelSize(5).build())
                .layer(ChannelEmbedding.projection(1))
                .layer(new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY).build())
                .setInputType(type).build();
    }

    @Test
    void liftIsAnExactIsometryAndProjectionItsLeftInverse() {
        MultiLayerNetwork lift = Nets.stack(InputType.convolutional(5, 6, 2), 1, ChannelEmbedding.lift(5));
        MultiLayerNetwork projection = Nets.stack(InputType.convolutional(5, 6, 5), 1, ChannelEmbedding.projection(2));
        INDArray x = Nd4j.randn(DataType.DOUBLE, 3, 2, 5, 6);
        INDArray lifted = lift.output(x);
        assertArrayEquals(new long[]{3, 5, 5, 6}, lifted.shape());
        assertEquals(x, lifted.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2)), "first channels copied exactly");
        assertEquals(0.0, lifted.get(NDArrayIndex.all(), NDArrayIndex.interval(2, 5)).norm2Number().doubleValue());
        assertEquals(x, projection.output(lifted), "P L = I");
        assertEquals(1.0, NetworkLipschitz.upperBound(lift, 0));
        assertEquals(1.0, NetworkLipschitz.upperBound(projection, 0));
    }

    @Test
    void liftedDenoiserPassesGradientChecksInMlnAndCg() {
        Nd4j.getRandom().setSeed(7);
        MultiLayerNetwork net = new MultiLayerNetwork(denoiser(InputType.convolutional(6, 5, 1)));
        net.init();
        INDArray x = Nd4j.rand(DataType.DOUBLE, 2, 1, 6, 5);
        assertTrue(Nets.gradientsMatch(net, x, Nd4j.rand(DataType.DOUBLE, 2, 1, 6, 5), Set.of("1_v", "2_v")));

        ComputationGraphConfiguration conf = Nets.gradientCheckBase().graphBuilder().addInputs("in")
                .addLayer("lift", ChannelEmbedding.lift(3), "in")
                .addLayer("block", new GradientFlowConv2D.Builder().hiddenChannels(2).build(), "lift")
                .addLayer("project", ChannelEmbedding.projection(2), "block")
                .addLayer("out", new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE)
                        .activation(Activation.IDENTITY).build(), "project")
                .setOutputs("out").setInputTypes(InputType.convolutional(4, 4, 2)).build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        assertTrue(Nets.gradientsMatch(graph, new INDArray[]{Nd4j.rand(DataType.DOUBLE, 2, 2, 4, 4)},
                new INDArray[]{Nd4j.rand(DataType.DOUBLE, 2, 2, 4, 4)}, Set.of("block_v")));
    }

    @Test
    void resizedNetworkKeepsWeightsAndCertificate() {
        Nd4j.getRandom().setSeed(8);
        MultiLayerNetwork small = new MultiLayerNetwork(denoiser(InputType.convolutional(6, 5, 1)));
        small.init();
        MultiLayerNetwork large = InputSizes.resize(small, InputType.convolutional(12, 9, 1));
        assertEquals(small.getLayer(1).getParam("K"), large.getLayer(1).getParam("K"));
        assertEquals(small.getLayer(2).getParam("t"), large.getLayer(2).getParam("t"));
        assertArrayEquals(new long[]{1, 4, 12, 9}, large.getLayer(1).getParam("v").shape());
        assertEquals(1.0, NetworkLipschitz.upperBound(large, 3));
        INDArray a = Nd4j.rand(DataType.DOUBLE, 1, 1, 12, 9);
        INDArray b = a.add(Nd4j.randn(DataType.DOUBLE, 1, 1, 12, 9).muli(0.1));
        double ratio = large.output(a).sub(large.output(b)).norm2Number().doubleValue()
                / a.sub(b).norm2Number().doubleValue();
        assertTrue(ratio <= 1.0, "ratio " + ratio);
        Throwable t = assertThrows(IllegalArgumentException.class, () -> small.output(a));
        assertTrue(t.getMessage().contains("[minibatch, 1, 6, 5]"), t.getMessage());
    }
}
