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

/**
 * The temperature cross-entropy: value against its definition (with and without offset), gradient check in a network
 * (with an offset), JSON, bad T and offset.
 */
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
    void theOffsetLowersTheTrueClassLogitInsideTheLoss() {
        INDArray z = Nd4j.randn(DataType.DOUBLE, 6, 4);
        INDArray y = Nets.oneHot(6, 4);
        double t = 3.0;
        double u = 0.7;
        LossMCXENT ce = new LossMCXENT();
        ce.setSoftmaxClipEps(0);
        INDArray shifted = z.sub(y.mul(u)).muli(t);
        TemperatureCrossEntropy loss = new TemperatureCrossEntropy(t, u);
        assertEquals(ce.computeScore(y, shifted, new ActivationSoftmax(), null, true) / t,
                loss.computeScore(y, z, new ActivationSoftmax(), null, true), 1e-12);
        // the gradient is softmax(T(z − u y)) − y: the offset makes a margin below u still costly
        INDArray expected = new ActivationSoftmax().getActivation(shifted.dup(), false).subi(y);
        assertTrue(expected.equalsWithEps(loss.computeGradient(y, z, new ActivationSoftmax(), null), 1e-12));
        assertTrue(loss.computeScore(y, z, new ActivationSoftmax(), null, true)
                > new TemperatureCrossEntropy(t).computeScore(y, z, new ActivationSoftmax(), null, true));
    }

    @Test
    void passesGradientCheckBehindGradientFlowLayers() {
        MultiLayerConfiguration conf = Nets.gradientCheckBase().list()
                .layer(new SpectralDense.Builder().nOut(4).build())
                .layer(new GradientFlowDense.Builder().nHidden(5).activation(Activation.TANH).build())
                .layer(new SpectralDense.Builder().nOut(3).build())
                .layer(new LossLayer.Builder(new TemperatureCrossEntropy(8.0, 0.3)).activation(Activation.SOFTMAX)
                        .build())
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
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new TemperatureCrossEntropy(2, -0.1))
                .getMessage().contains("offset"));
    }
}
