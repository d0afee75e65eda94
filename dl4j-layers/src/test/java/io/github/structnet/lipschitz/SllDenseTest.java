package io.github.structnet.lipschitz;

import io.github.structnet.certify.NetworkLipschitz;
import io.github.structnet.testutil.LipschitzProbe;
import io.github.structnet.testutil.Nets;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
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

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SllDense: 1-Lipschitz for the weights it runs with after 300 steps of Adam at 0.5 and after a reload (per-block
 * Jacobian norms at 200 points, random and adversarially searched pairs through the whole network, all below the
 * certificate computed from the weights), DL4J's gradient check in double precision (W, b and log q), and clear
 * errors.
 */
class SllDenseTest {

    private static final double TOLERANCE = 1 + 1e-6;
    private static final int DIM_IN = 5;
    private static MultiLayerNetwork trained;

    private static MultiLayerConfiguration config(boolean withLoss) {
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
        Nd4j.getRandom().setSeed(8);
        trained = new MultiLayerNetwork(config(true));
        trained.init();
        INDArray x = Nd4j.randn(DataType.DOUBLE, 64, DIM_IN);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, 64, 3);
        for (int i = 0; i < 64; i++) {
            y.putScalar(i, x.getDouble(i, 0) * x.getDouble(i, 1) > 0 ? 0 : x.getDouble(i, 2) > 0 ? 1 : 2, 1.0);
        }
        INDArray before = trained.params().dup();
        for (int step = 0; step < 300; step++) {
            trained.fit(x, y);
        }
        assertNotEquals(before, trained.params(), "training moved the weights");
    }

    private static MultiLayerNetwork body(MultiLayerNetwork net) {
        MultiLayerNetwork body = new MultiLayerNetwork(config(false));
        body.init(net.params().dup(), false);
        return body;
    }

    private static void assertOneLipschitz(MultiLayerNetwork net, String when) {
        MultiLayerNetwork body = body(net);
        for (int i = 0; i < 2; i++) {
            double jacobian = LipschitzProbe.maxJacobianNorm(LipschitzProbe.layerAtInference(body, i), DIM_IN, 200, 2.0,
                    21 + i);
            double certificate = ((SllDense) body.getLayer(i).conf().getLayer())
                    .lipschitzBound(body.getLayer(i).paramTable());
            assertTrue(jacobian <= certificate * (1 + 1e-9) && certificate <= TOLERANCE, when + ": block " + i
                    + " Jacobian norm " + jacobian + ", certificate " + certificate);
        }
        double random = LipschitzProbe.maxRandomPairRatio(in -> body.output(in, false), DIM_IN, 10_000, 5);
        double adversarial = LipschitzProbe.maxAdversarialPairRatio(body, DIM_IN, 20, 150, 9);
        double bound = NetworkLipschitz.upperBound(body, 2);
        assertTrue(random <= TOLERANCE, when + ": random pair ratio " + random);
        assertTrue(adversarial <= bound * (1 + 1e-9) && bound <= TOLERANCE, when + ": adversarial ratio "
                + adversarial + ", certified bound " + bound);
        System.out.printf("SllDense %s: random ratio %.6f, adversarial ratio %.6f, certified bound %.9f%n", when,
                random, adversarial, bound);
        assertTrue(adversarial > 0.05, when + ": adversarial ratio " + adversarial);
    }

    @Test
    void oneLipschitzAfterTrainingWithALargeLearningRate() {
        assertOneLipschitz(trained, "after training");
    }

    @Test
    void oneLipschitzAndBitwiseAfterReload(@TempDir File dir) throws IOException {
        File file = new File(dir, "sll.zip");
        ModelSerializer.writeModel(trained, file, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(file, true);
        assertEquals(trained.getLayerWiseConfigurations(), restored.getLayerWiseConfigurations());
        INDArray x = Nd4j.randn(DataType.DOUBLE, 10, DIM_IN);
        assertArrayEquals(trained.output(x).data().asDouble(), restored.output(x).data().asDouble(),
                "outputs bitwise equal after reload");
        assertOneLipschitz(restored, "after reload");
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
