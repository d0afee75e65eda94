package io.github.structnet.certify;

import io.github.structnet.lipschitz.GradientFlowConv2D;
import io.github.structnet.spectral.ConvolutionNorm;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.L2NormalizeVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.ScaleVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.CenterLossOutputLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Network bounds with DL4J convolution and pooling layers, and over ComputationGraph vertices. */
class NetworkLipschitzGraphTest {

    @Test
    void convolutionAndPoolingLayersNeedTheInputTypeAndAreSound() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).seed(3).list()
                .layer(new ConvolutionLayer.Builder(3, 3).name("conv").nOut(4).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(PoolingType.AVG).kernelSize(2, 2).stride(2, 2).build())
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(3).padding(1, 1).activation(Activation.IDENTITY).build())
                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).build())
                .setInputType(InputType.convolutional(8, 8, 2)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        String msg = assertThrows(IllegalArgumentException.class, () -> NetworkLipschitz.upperBound(net, 3))
                .getMessage();
        assertTrue(msg.contains("ConvolutionLayer (layer 0 'conv')") && msg.contains("input type"), msg);

        INDArray k0 = net.getParam("0_W").permute(2, 3, 1, 0).dup();
        INDArray k2 = net.getParam("2_W").permute(2, 3, 1, 0).dup();
        double exact = ConvolutionNorm.exact(k0, 1, 8, 8) * 0.5 * ConvolutionNorm.exact(k2, 1, 4, 4) * 0.25;
        double bound = NetworkLipschitz.upperBound(net, 3, InputType.convolutional(8, 8, 2));
        assertTrue(bound >= exact && bound <= 1.3 * exact, "bound " + bound + ", product of exact norms " + exact);

        // the whole network's ratio never exceeds the bound
        INDArray x = Nd4j.randn(DataType.DOUBLE, 200, 2, 8, 8);
        INDArray y = x.add(Nd4j.randn(DataType.DOUBLE, 200, 2, 8, 8).muli(0.1));
        double ratio = net.output(x).sub(net.output(y)).norm2(1).div(x.sub(y).reshape(200, 128).norm2(1))
                .maxNumber().doubleValue();
        assertTrue(ratio <= bound, "ratio " + ratio + " > bound " + bound);
    }

    @Test
    void graphVerticesCombineBounds() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).seed(2)
                .graphBuilder().addInputs("in")
                .addLayer("a", new DenseLayer.Builder().nOut(5).activation(Activation.RELU).build(), "in")
                .addLayer("b", new DenseLayer.Builder().nOut(5).activation(Activation.TANH).build(), "in")
                .addVertex("sum", new ElementWiseVertex(ElementWiseVertex.Op.Add), "a", "b")
                .addVertex("cat", new MergeVertex(), "a", "b")
                .addVertex("half", new ScaleVertex(-0.5), "sum")
                .addVertex("prod", new ElementWiseVertex(ElementWiseVertex.Op.Product), "a", "b")
                .setOutputs("half", "cat", "prod")
                .setInputTypes(InputType.feedForward(4)).build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        double la = NetworkLipschitz.upperBound(net, "a");
        double lb = NetworkLipschitz.upperBound(net, "b");
        assertEquals(io.github.structnet.spectral.GramIteration.upperBound(net.getLayer("a").getParam("W")), la, 0);
        assertEquals(la + lb, NetworkLipschitz.upperBound(net, "sum"), 1e-12);
        assertEquals(0.5 * (la + lb), NetworkLipschitz.upperBound(net, "half"), 1e-12);
        assertEquals(Math.sqrt(la * la + lb * lb), NetworkLipschitz.upperBound(net, "cat"), 1e-12);
        String msg = assertThrows(IllegalArgumentException.class, () -> NetworkLipschitz.upperBound(net, "prod"))
                .getMessage();
        assertTrue(msg.contains("ElementWiseVertex 'prod'") && msg.contains("Product"), msg);
        assertThrows(IllegalArgumentException.class, () -> NetworkLipschitz.upperBound(net, "nope"));
    }

    /**
     * FaceNet's head (DL4J zoo): an embedding normalised by L2NormalizeVertex (bound 1/ε), then a
     * CenterLossOutputLayer (W x + b and softmax at inference); the bound holds on pairs searched near the origin,
     * where the normalisation is steepest, and eps = 0 is refused with the reason.
     */
    @Test
    void l2NormalisationAndCenterLossOutputAreSound() {
        double eps = 0.05;
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).seed(4)
                .graphBuilder().addInputs("in")
                .addLayer("embed", new DenseLayer.Builder().nOut(4).activation(Activation.IDENTITY).build(), "in")
                .addVertex("unit", new L2NormalizeVertex(new int[0], eps), "embed")
                .addLayer("out", new CenterLossOutputLayer.Builder().nOut(3).activation(Activation.SOFTMAX).build(),
                        "unit")
                .addVertex("raw", new L2NormalizeVertex(new int[0], 0.0), "embed")
                .setOutputs("out", "raw")
                .setInputTypes(InputType.feedForward(5)).build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        double embed = NetworkLipschitz.upperBound(net, "embed");
        assertEquals(embed / eps, NetworkLipschitz.upperBound(net, "unit"), 1e-9 * embed / eps);
        double bound = NetworkLipschitz.upperBound(net, "out");
        Nd4j.getRandom().setSeed(5);
        double worst = 0;
        for (double scale : new double[]{1e-3, 1e-2, 0.1, 1}) {
            INDArray x = Nd4j.randn(DataType.DOUBLE, 400, 5).muli(scale);
            INDArray y = x.add(Nd4j.randn(DataType.DOUBLE, 400, 5).muli(scale * 1e-3));
            INDArray fx = net.output(x)[0];
            INDArray fy = net.output(y)[0];
            worst = Math.max(worst, fx.sub(fy).norm2(1).div(x.sub(y).norm2(1)).maxNumber().doubleValue());
        }
        assertTrue(worst <= bound && worst > 0, "pair ratio " + worst + ", bound " + bound);
        String msg = assertThrows(IllegalArgumentException.class, () -> NetworkLipschitz.upperBound(net, "raw"))
                .getMessage();
        assertTrue(msg.contains("L2NormalizeVertex 'raw'") && msg.contains("eps"), msg);
    }

    @Test
    void structNetBlocksInAGraphAreCertified() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).seed(2)
                .graphBuilder().addInputs("in")
                .addLayer("flow", new GradientFlowConv2D.Builder().hiddenChannels(3).build(), "in")
                .addVertex("res", new ElementWiseVertex(ElementWiseVertex.Op.Average), "in", "flow")
                .setOutputs("res")
                .setInputTypes(InputType.convolutional(5, 5, 2)).build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        assertEquals(1.0, NetworkLipschitz.upperBound(net, "res", InputType.convolutional(5, 5, 2)), 0);
    }
}
