package io.github.structnet.wasserstein;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
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
 * critic's KR value falls, checkpoints are written and reload; the same with a ComputationGraph generator, with
 * certified reports; the classic weight-clipped WGAN accepts a plain critic and clips it; uncertified critics (without
 * clipping) and critics without the KR loss are refused by name.
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
    void computationGraphGeneratorLearnsTheShiftedGaussian() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        ComputationGraph generator = new ComputationGraph(new NeuralNetConfiguration.Builder()
                .dataType(DataType.DOUBLE).seed(2).updater(new Sgd(0.02)).graphBuilder().addInputs("z")
                .addLayer("x", new DenseLayer.Builder().nOut(1).activation(Activation.IDENTITY).build(), "z")
                .setOutputs("x").setInputTypes(InputType.feedForward(1)).build());
        generator.init();
        Nd4j.getRandom().setSeed(4);
        double before = generator.outputSingle(Nd4j.randn(DataType.DOUBLE, 2000, 1)).meanNumber().doubleValue();
        List<Wgan.Progress> reports = Wgan.train(generator, Wasserstein1.critic(1, 8, 1, 0.05, 3),
                n -> Nd4j.randn(DataType.DOUBLE, n, 1).muli(0.5).addi(3.0), new Wgan.Settings(300, 3, 64, 1, 100,
                        null), null);
        double after = generator.outputSingle(Nd4j.randn(DataType.DOUBLE, 2000, 1)).meanNumber().doubleValue();
        assertTrue(Math.abs(after - 3) < 1.0 && Math.abs(after - 3) < Math.abs(before - 3) - 1.0,
                "generated mean " + before + " -> " + after);
        for (Wgan.Progress p : reports) {
            assertTrue(p.lipschitzBound() <= 1 + 1e-6, "critic bound " + p.lipschitzBound());
            assertEquals(p.criticValue() / Math.max(1, p.lipschitzBound()), p.lowerBound(), 1e-15);
        }
    }

    @Test
    void classicWeightClippingAcceptsAPlainCriticAndReportsItsBound() {
        MultiLayerNetwork plain = plainCritic();
        List<Wgan.Progress> reports = Wgan.train(generator(), plain,
                n -> Nd4j.randn(DataType.DOUBLE, n, 1).addi(3.0), new Wgan.Settings(5, 2, 16, 1, 5, null)
                        .withWeightClip(0.01), null);
        assertTrue(plain.params().amaxNumber().doubleValue() <= 0.01, "weights must be clipped to 0.01");
        Wgan.Progress last = reports.get(0);
        assertTrue(last.lipschitzBound() > 0 && last.lowerBound() == last.criticValue() / Math.max(1,
                last.lipschitzBound()), last.toString());
    }

    private static MultiLayerNetwork plainCritic() {
        MultiLayerNetwork critic = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .dataType(DataType.DOUBLE).seed(3).updater(new Sgd(0.01)).list()
                .layer(new DenseLayer.Builder().name("hidden").nOut(8).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nOut(1).activation(Activation.IDENTITY).build())
                .layer(new LossLayer.Builder(KantorovichRubinstein.plain()).activation(Activation.IDENTITY).build())
                .setInputType(InputType.feedForward(1)).build());
        critic.init();
        return critic;
    }

    @Test
    void uncertifiedCriticIsRefusedWithoutWeightClipping() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Wgan.train(generator(),
                plainCritic(), n -> Nd4j.zeros(DataType.DOUBLE, n, 1), new Wgan.Settings(1, 1, 4, 1, 1, null), null));
        assertTrue(e.getMessage().contains("DenseLayer 'hidden'") && e.getMessage().contains("not certified"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Wgan.Settings(1, 1, 4, 1, 1, null, Double.NaN));
    }

    @Test
    void criticWithoutTheKantorovichRubinsteinLossIsRefused() {
        MultiLayerNetwork notACritic = generator();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Wgan.train(generator(),
                notACritic, n -> Nd4j.zeros(DataType.DOUBLE, n, 1), new Wgan.Settings(1, 1, 4, 1, 1, null), null));
        assertTrue(e.getMessage().contains("KantorovichRubinstein"), e.getMessage());
    }
}
