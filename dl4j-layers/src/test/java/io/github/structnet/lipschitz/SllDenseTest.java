package io.github.structnet.lipschitz;

import io.github.structnet.testutil.CertifiedStacks;
import io.github.structnet.testutil.LipschitzProbe;
import io.github.structnet.testutil.Nets;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
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

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SllDense: 1-Lipschitz for the weights it runs with after 300 steps of Adam at 0.5 and after a reload (per-block
 * Jacobian norms at 200 points, random and adversarially searched pairs through the whole network, all below the
 * certificate computed from the weights), DL4J's gradient check in double precision (W, b and log q), and clear
 * errors.
 */
class SllDenseTest {

    private static final double TOLERANCE = CertifiedStacks.TOLERANCE;
    private static final int DIM_IN = 5;
    private static MultiLayerNetwork trained;

    private static MultiLayerConfiguration config(Boolean withLoss) {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).seed(4)
                .updater(new Adam(0.5)).list()
                .layer(new SllDense.Builder().nHidden(12).build())
                .layer(new SllDense.Builder().nHidden(4).activation(Activation.TANH).build())
                .layer(new AolDense.Builder().nOut(3).build());
        if (withLoss) {
            list.layer(new LossLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX).build());
        }
        return list.setInputType(InputType.feedForward(DIM_IN)).build();
    }

    @BeforeAll
    static void train() {
        trained = CertifiedStacks.trainThreeClass(SllDenseTest::config, DIM_IN, 8);
    }

    private static void assertOneLipschitz(MultiLayerNetwork net, String when) {
        MultiLayerNetwork body = CertifiedStacks.body(net, SllDenseTest::config);
        for (int i = 0; i < 2; i++) {
            double jacobian = LipschitzProbe.maxJacobianNorm(LipschitzProbe.layerAtInference(body, i), DIM_IN, 200, 2.0,
                    21 + i);
            double certificate = ((SllDense) body.getLayer(i).conf().getLayer())
                    .lipschitzBound(body.getLayer(i).paramTable());
            assertTrue(jacobian <= certificate * (1 + 1e-9) && certificate <= TOLERANCE, when + ": block " + i
                    + " Jacobian norm " + jacobian + ", certificate " + certificate);
        }
        CertifiedStacks.assertCertified(body, DIM_IN, "SllDense", when);
    }

    @Test
    void oneLipschitzAfterTrainingWithALargeLearningRate() {
        assertOneLipschitz(trained, "after training");
    }

    @Test
    void oneLipschitzAndBitwiseAfterReload(@TempDir File dir) throws IOException {
        assertOneLipschitz(CertifiedStacks.reloadBitwise(trained, dir, DIM_IN), "after reload");
    }

    @Test
    void aStackPassesDl4jsGradientCheck() {
        Nd4j.getRandom().setSeed(2);
        MultiLayerConfiguration conf = Nets.gradientCheckBase().list()
                .layer(new SllDense.Builder().nHidden(6).activation(Activation.SOFTPLUS).build())
                .layer(new SllDense.Builder().nHidden(2).activation(Activation.TANH).build())
                .layer(Nets.mseOutput(2))
                .setInputType(InputType.feedForward(3)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        // non-zero biases and scales, so that every term of the gradient is exercised
        for (int i = 0; i < 2; i++) {
            net.getLayer(i).getParam(SllDense.BIAS_KEY).assign(Nd4j.randn(DataType.DOUBLE, 1,
                    net.getLayer(i).getParam(SllDense.BIAS_KEY).length()).muli(0.3));
            net.getLayer(i).getParam(SllDense.SCALE_KEY).assign(Nd4j.randn(DataType.DOUBLE, 1,
                    net.getLayer(i).getParam(SllDense.SCALE_KEY).length()).muli(0.5));
        }
        INDArray in = Nd4j.rand(DataType.DOUBLE, 4, 3);
        INDArray labels = Nd4j.rand(DataType.DOUBLE, 4, 2);
        assertTrue(Nets.gradientsMatch(net, in, labels, Set.of()));
    }

    @Test
    void badSettingsAndInputsAreRefusedByName() {
        IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                () -> new SllDense.Builder().name("block").nHidden(0).build());
        assertTrue(size.getMessage().contains("SllDense 'block'") && size.getMessage().contains("nHidden"),
                size.getMessage());
        IllegalArgumentException activation = assertThrows(IllegalArgumentException.class,
                () -> new SllDense.Builder().nHidden(3).activation(Activation.CUBE).build());
        assertTrue(activation.getMessage().contains("SllDense"), activation.getMessage());
        MultiLayerNetwork net = Nets.stack(InputType.feedForward(3), 1, new SllDense.Builder().nHidden(2).build());
        Exception shape = assertThrows(Exception.class, () -> net.output(Nd4j.rand(DataType.DOUBLE, 2, 4)));
        assertTrue(String.valueOf(shape.getMessage()).contains("SllDense") || shape.getCause() != null
                && shape.getCause().getMessage().contains("SllDense"), shape.getMessage());
    }
}
