package io.github.structnet.lipschitz;

import io.github.structnet.testutil.Nets;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The temperature cross-entropy: value against its definition, gradient check in a network, JSON, bad T. */
class TemperatureCrossEntropyTest {

    @Test
    void matchesTheDefinition() {
        INDArray z = Nd4j.randn(DataType.DOUBLE, 5, 3);
        INDArray y = Nets.oneHot(5, 3);
        double t = 4.0;
        LossMCXENT ce = new LossMCXENT();
        ce.setSoftmaxClipEps(0);
        double expected = ce.computeScore(y, z.mul(t), new ActivationSoftmax(), null, true) / t;
        assertEquals(expected, new TemperatureCrossEntropy(t).computeScore(y, z, new ActivationSoftmax(), null, true),
                1e-12);
    }

    @Test
    void passesGradientCheckBehindGradientFlowLayers() {
        MultiLayerConfiguration conf = Nets.gradientCheckBase().list()
                .layer(new SpectralDense.Builder().nOut(4).build())
                .layer(new GradientFlowDense.Builder().nHidden(5).activation(Activation.TANH).build())
                .layer(new SpectralDense.Builder().nOut(3).build())
                .layer(new LossLayer.Builder(new TemperatureCrossEntropy(8.0)).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(3)).build();
        assertEquals(conf, MultiLayerConfiguration.fromJson(conf.toJson()), "JSON round trip");
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        assertTrue(Nets.gradientsMatch(net, Nd4j.rand(DataType.DOUBLE, 4, 3), Nets.oneHot(4, 3), Set.of("0_v", "1_v",
                "2_v")));
    }

    @Test
    void refusesNonPositiveTemperature() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new TemperatureCrossEntropy(0)).getMessage()
                .contains("positive"));
        assertThrows(IllegalArgumentException.class, () -> new TemperatureCrossEntropy(Double.NaN));
    }
}
