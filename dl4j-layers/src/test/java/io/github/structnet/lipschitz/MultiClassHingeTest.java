package io.github.structnet.lipschitz;

import io.github.structnet.testutil.Nets;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The multi-class hinge: hand-computed values, gradient check behind 1-Lipschitz layers, JSON, bad margin. */
class MultiClassHingeTest {

    @Test
    void handComputedScores() {
        INDArray z = Nd4j.create(new double[][]{{2.0, 1.5, -1.0}, {0.0, 0.0, 3.0}});
        INDArray y = Nd4j.create(new double[][]{{1, 0, 0}, {0, 0, 1}});
        // row 0: max(0, 1 − 0.5) + max(0, 1 − 3) = 0.5; row 1: margins 3 and 3 → 0
        INDArray scores = new MultiClassHinge(1.0).computeScoreArray(y, z, new ActivationIdentity(), null);
        assertEquals(0.5, scores.getDouble(0), 1e-12);
        assertEquals(0.0, scores.getDouble(1), 1e-12);
        assertEquals(0.25, new MultiClassHinge(1.0).computeScore(y, z, new ActivationIdentity(), null, true), 1e-12);
    }

    @Test
    void passesGradientCheck() {
        MultiLayerConfiguration conf = Nets.gradientCheckBase().list()
                .layer(new SpectralDense.Builder().nOut(4).build())
                .layer(new GradientFlowDense.Builder().nHidden(5).activation(Activation.TANH).build())
                .layer(new SpectralDense.Builder().nOut(3).build())
                .layer(new LossLayer.Builder(new MultiClassHinge(0.5)).activation(Activation.IDENTITY).build())
                .setInputType(InputType.feedForward(3)).build();
        assertEquals(conf, MultiLayerConfiguration.fromJson(conf.toJson()));
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        assertTrue(Nets.gradientsMatch(net, Nd4j.randn(DataType.DOUBLE, 4, 3), Nets.oneHot(4, 3), Set.of("0_v", "1_v",
                "2_v")));
    }

    @Test
    void refusesNonPositiveMargins() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new MultiClassHinge(0)).getMessage()
                .contains("margin"));
    }
}
