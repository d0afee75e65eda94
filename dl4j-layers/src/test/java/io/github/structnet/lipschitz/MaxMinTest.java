package io.github.structnet.lipschitz;

import io.github.structnet.certify.NetworkLipschitz;
import io.github.structnet.testutil.LipschitzProbe;
import io.github.structnet.testutil.Nets;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * MaxMin: values, gradient-norm preservation, 1-Lipschitz on random pairs, gradient check, certified bound, odd sizes.
 */
class MaxMinTest {

    @Test
    void valuesAndGradientNormPreservation() {
        INDArray x = Nd4j.create(new double[][]{{3, -1, 2, 5}});
        assertEquals(Nd4j.create(new double[][]{{3, 5, 2, -1}}), new MaxMin().getActivation(x.dup(), false));
        Nd4j.getRandom().setSeed(2);
        INDArray in = Nd4j.randn(DataType.DOUBLE, 5, 6, 3, 3);
        INDArray eps = Nd4j.randn(DataType.DOUBLE, 5, 6, 3, 3);
        INDArray back = new MaxMin().backprop(in, eps).getFirst();
        assertEquals(eps.norm2Number().doubleValue(), back.norm2Number().doubleValue(), 1e-12, "‖Jᵀε‖ = ‖ε‖");
    }

    @Test
    void oneLipschitzOnRandomPairs() {
        double ratio = LipschitzProbe.maxRandomPairRatio(x -> new MaxMin().getActivation(x.dup(), false), 6, 5000, 3);
        assertTrue(ratio <= 1 + 1e-12, "ratio " + ratio);
    }

    @Test
    void gradientCheckAndCertifiedBound() {
        MultiLayerConfiguration conf = Nets.gradientCheckBase().list()
                .layer(new SpectralDense.Builder().nOut(4).build())
                .layer(new ActivationLayer.Builder().activation(new MaxMin()).build())
                .layer(new GradientFlowDense.Builder().nHidden(3).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(2).activation(Activation.IDENTITY)
                        .build())
                .setInputType(InputType.feedForward(3)).build();
        assertEquals(conf, MultiLayerConfiguration.fromJson(conf.toJson()));
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        assertTrue(Nets.gradientsMatch(net, Nd4j.randn(DataType.DOUBLE, 4, 3), Nd4j.randn(DataType.DOUBLE, 4, 2),
                Set.of("0_v", "2_v")));
        // the spectral layers' bounds B / (B + 1e-12) are 1 up to their norm floor; the others are 1
        double bound = NetworkLipschitz.upperBound(net, 2);
        assertTrue(bound <= 1.0 && bound > 1 - 1e-9, "bound " + bound);
    }

    @Test
    void oddSizesAreRefused() {
        String msg = assertThrows(IllegalArgumentException.class,
                () -> new MaxMin().getActivation(Nd4j.ones(2, 3), false)).getMessage();
        assertTrue(msg.contains("MaxMin") && msg.contains("even") && msg.contains("3"), msg);
    }
}
