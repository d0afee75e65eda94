package io.github.structnet.wasserstein;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

import java.io.File;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A 1-D WGAN with a 1-Lipschitz critic: an affine generator moves N(0, 1) towards N(3, 0.5²) (mean within 1 of 3), the
 * critic's KR value falls, checkpoints are written and reload; a critic without the KR loss is refused.
 */
class WganTest {

    private static MultiLayerNetwork generator() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        MultiLayerNetwork g = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .seed(2).updater(new Sgd(0.02)).list()
                .layer(new DenseLayer.Builder().nOut(1).activation(Activation.IDENTITY).build())
                .setInputType(InputType.feedForward(1)).build());
        g.init();
        return g;
    }

    @Test
    void affineGeneratorLearnsTheShiftedGaussian(@TempDir File dir) throws Exception {
        MultiLayerNetwork generator = generator();
        MultiLayerNetwork critic = Wasserstein1.critic(1, 8, 1, 0.05, 3);
        Nd4j.getRandom().setSeed(4);
        List<Wgan.Progress> reports = Wgan.train(generator, critic,
                n -> Nd4j.randn(DataType.DOUBLE, n, 1).muli(0.5).addi(3.0),
                new Wgan.Settings(300, 3, 64, 1, 100, dir), null);
        assertEquals(3, reports.size());
        INDArray samples = generator.output(Nd4j.randn(DataType.DOUBLE, 2000, 1));
        double mean = samples.meanNumber().doubleValue();
        // the 1-D WGAN oscillates around the target before it settles: from 3 away, it must come within 1 of it
        assertTrue(Math.abs(mean - 3) < 1.0, "generated mean " + mean);
        assertTrue(reports.get(2).criticValue() < 0.5 * reports.get(0).criticValue(),
                "critic value " + reports.get(0).criticValue() + " -> " + reports.get(2).criticValue());
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(new File(dir, "generator.zip"), true);
        INDArray z = Nd4j.randn(DataType.DOUBLE, 5, 1);
        assertEquals(generator.output(z), restored.output(z));
    }

    @Test
    void criticWithoutTheKantorovichRubinsteinLossIsRefused() {
        MultiLayerNetwork notACritic = generator();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Wgan.train(generator(),
                notACritic, n -> Nd4j.zeros(DataType.DOUBLE, n, 1), new Wgan.Settings(1, 1, 4, 1, 1, null), null));
        assertTrue(e.getMessage().contains("KantorovichRubinstein"), e.getMessage());
    }
}
