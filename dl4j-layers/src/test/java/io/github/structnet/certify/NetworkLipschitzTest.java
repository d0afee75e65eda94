package io.github.structnet.certify;

import io.github.structnet.lipschitz.GradientFlowDense;
import io.github.structnet.spectral.SpectralNorm;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.misc.ElementWiseMultiplicationLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The network bound: product of certified layer bounds; unsupported layers are refused by name. */
class NetworkLipschitzTest {

    @Test
    void productOfDenseSpectralNormsAndStructNetBounds() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).seed(1).list()
                .layer(new DenseLayer.Builder().nOut(6).activation(Activation.RELU).build())
                .layer(new GradientFlowDense.Builder().nHidden(4).build())
                .layer(new DenseLayer.Builder().nOut(3).activation(Activation.IDENTITY).build())
                .setInputType(InputType.feedForward(5)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        double exact = SpectralNorm.exact(net.getParam("0_W")) * SpectralNorm.exact(net.getParam("2_W"));
        double bound = NetworkLipschitz.upperBound(net, 2);
        assertTrue(bound >= exact && bound <= exact * 1.01, "bound " + bound + " vs product of norms " + exact);
    }

    @Test
    void refusesActivationsThatAreNotOneLipschitz() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).list()
                .layer(new DenseLayer.Builder().name("d").nOut(4).activation(Activation.SELU).build())
                .setInputType(InputType.feedForward(3)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        String selu = assertThrows(IllegalArgumentException.class, () -> NetworkLipschitz.upperBound(net, 0))
                .getMessage();
        assertTrue(selu.contains("DenseLayer (layer 0 'd')") && selu.toLowerCase().contains("selu"), selu);
    }

    @Test
    void refusesLayersWithoutABoundByName() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).list()
                .layer(new DenseLayer.Builder().nOut(4).activation(Activation.RELU).build())
                .layer(new ElementWiseMultiplicationLayer.Builder().name("bn").nOut(4).build())
                .setInputType(InputType.feedForward(3)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        String msg = assertThrows(IllegalArgumentException.class, () -> NetworkLipschitz.upperBound(net, 1))
                .getMessage();
        assertTrue(msg.contains("ElementWiseMultiplicationLayer (layer 1 'bn')")
                && msg.contains("no certified Lipschitz bound"),
                msg);
    }
}
