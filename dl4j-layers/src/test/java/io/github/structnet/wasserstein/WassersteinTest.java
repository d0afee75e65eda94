package io.github.structnet.wasserstein;

import io.github.structnet.testutil.Nets;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.dataset.ViewIterator;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Kantorovich–Rubinstein losses (value, DL4J gradient checks in double, bad labels) and the W₁ estimator on
 * problems with known answers: a translated point cloud (W₁ = ‖a‖) and two 1-D samples (W₁ from the sorted samples).
 * The certified lower bound never exceeds the true value and comes within 2 % of it for the translation (5 % for the
 * 1-D samples), from arrays or from iterators; bad samples and uncertified critics are refused by name.
 */
class WassersteinTest {

    private static final INDArray LABELS = Nd4j.createFromArray(new double[][]{{1}, {-1}, {1}, {1}, {-1}});

    @Test
    void lossValueIsTheKantorovichRubinsteinFormula() {
        INDArray f = Nd4j.createFromArray(new double[][]{{0.5}, {-0.2}, {1.5}, {0.1}, {0.4}});
        double kr = (0.5 + 1.5 + 0.1) / 3 - (-0.2 + 0.4) / 2;
        double hinge = (Math.max(0, 1 - 0.5) + Math.max(0, 1 - 0.2) + 0 + Math.max(0, 1 - 0.1)
                + Math.max(0, 1 + 0.4)) / 5;
        org.nd4j.linalg.activations.IActivation identity = Activation.IDENTITY.getActivationFunction();
        assertEquals(-kr, KantorovichRubinstein.plain().computeScore(LABELS, f, identity, null, true), 1e-12);
        assertEquals(-kr + 0.3 * hinge, KantorovichRubinstein.hinge(0.3, 1).computeScore(LABELS, f, identity, null,
                true), 1e-12);
    }

    @Test
    void gradientChecks() {
        for (KantorovichRubinstein loss : new KantorovichRubinstein[]{KantorovichRubinstein.plain(),
            KantorovichRubinstein.hinge(0.5, 0.7)}) {
            MultiLayerNetwork net = Nets.stack(InputType.feedForward(3), 3,
                    new DenseLayer.Builder().nOut(4).activation(Activation.TANH).build(),
                    new OutputLayer.Builder(loss).nOut(1).activation(Activation.IDENTITY).build());
            assertTrue(Nets.gradientsMatch(net, Nd4j.randn(DataType.DOUBLE, 5, 3), LABELS, Set.of()), loss.name());
        }
    }

    @Test
    void badLabelsAndSettingsAreRefused() {
        org.nd4j.linalg.activations.IActivation identity = Activation.IDENTITY.getActivationFunction();
        INDArray f = Nd4j.zeros(DataType.DOUBLE, 3, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KantorovichRubinstein.plain()
                .computeScore(Nd4j.createFromArray(new double[][]{{1}, {0.5}, {-1}}), f, identity, null, true));
        assertTrue(e.getMessage().contains("KantorovichRubinstein") && e.getMessage().contains("0.5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> KantorovichRubinstein.plain()
                .computeScore(Nd4j.ones(DataType.DOUBLE, 3, 1), f, identity, null, true));
        assertTrue(e.getMessage().contains("both distributions"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> KantorovichRubinstein.hinge(-1, 1));
        assertThrows(IllegalArgumentException.class, () -> KantorovichRubinstein.hinge(1, 0));
    }

    @Test
    void translationGivesTheNormOfTheShift() {
        Nd4j.getRandom().setSeed(11);
        INDArray p = Nd4j.randn(DataType.DOUBLE, 512, 2);
        INDArray shift = Nd4j.createFromArray(new double[][]{{3.0, -1.5}});
        INDArray q = p.addRowVector(shift);
        double truth = shift.norm2Number().doubleValue();
        Wasserstein1.Estimate e = Wasserstein1.estimate(p, q, Wasserstein1.critic(2, 8, 1, 0.05, 3), 100, 64, 5);
        assertTrue(e.lipschitzBound() <= 1 + 1e-9, "critic bound " + e.lipschitzBound());
        assertTrue(e.lowerBound() <= truth + 1e-9, "lower bound " + e.lowerBound() + " above W1 = " + truth);
        assertTrue(e.lowerBound() >= 0.98 * truth, "lower bound " + e.lowerBound() + " vs W1 = " + truth);
    }

    @Test
    void iteratorsGiveTheSameCertifiedEstimate() {
        Nd4j.getRandom().setSeed(13);
        INDArray p = Nd4j.randn(DataType.DOUBLE, 512, 2);
        INDArray shift = Nd4j.createFromArray(new double[][]{{-2.0, 1.0}});
        double truth = shift.norm2Number().doubleValue();
        Wasserstein1.Estimate e = Wasserstein1.estimate(iterator(p, 64), iterator(p.addRowVector(shift), 64),
                Wasserstein1.critic(2, 8, 1, 0.05, 3), 12);
        assertEquals(96, e.curve().length, "8 minibatch pairs per epoch");
        assertTrue(e.lowerBound() <= truth + 1e-9, "lower bound " + e.lowerBound() + " above W1 = " + truth);
        assertTrue(e.lowerBound() >= 0.98 * truth, "lower bound " + e.lowerBound() + " vs W1 = " + truth);
    }

    private static DataSetIterator iterator(INDArray x, int batch) {
        return new ViewIterator(new DataSet(x, x), batch);
    }

    @Test
    void badSamplesAndUncertifiedCriticsAreRefused() {
        MultiLayerNetwork critic = Wasserstein1.critic(2, 4, 1, 0.05, 3);
        INDArray p = Nd4j.randn(DataType.DOUBLE, 10, 2);
        assertMessage(() -> Wasserstein1.estimate(p, Nd4j.randn(DataType.DOUBLE, 10, 3), critic, 1, 4, 1),
                "same d", "[10, 3]");
        INDArray bad = p.dup();
        bad.putScalar(3, 1, Double.NaN);
        assertMessage(() -> Wasserstein1.estimate(p, bad, critic, 1, 4, 1), "finite", "NaN");
        assertMessage(() -> Wasserstein1.estimate(iterator(p, 5), new ViewIterator(new DataSet(), 1),
                critic, 1), "second iterator", "no samples");
        MultiLayerNetwork plain = Nets.stack(InputType.feedForward(2), 1,
                new DenseLayer.Builder().name("wide").nOut(8).activation(Activation.RELU).build(),
                new DenseLayer.Builder().nOut(1).activation(Activation.IDENTITY).build(),
                new LossLayer.Builder(KantorovichRubinstein.plain()).activation(Activation.IDENTITY).build());
        assertMessage(() -> Wasserstein1.estimate(p, p.add(1), plain, 1, 4, 1), "layer 0", "DenseLayer 'wide'",
                "not certified 1-Lipschitz");
    }

    private static void assertMessage(Runnable action, String... expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, action::run);
        for (String s : expected) {
            assertTrue(e.getMessage().contains(s), "message '" + e.getMessage() + "' lacks " + s);
        }
    }

    @Test
    void oneDimensionalGaussiansGiveTheSortedSampleDistance() {
        Nd4j.getRandom().setSeed(12);
        INDArray p = Nd4j.randn(DataType.DOUBLE, 1000, 1);
        INDArray q = Nd4j.randn(DataType.DOUBLE, 1000, 1).addi(2.0);
        double truth = Wasserstein1.exactOneDimensional(p, q);
        assertEquals(2.0, Wasserstein1.exactOneDimensional(p, p.add(2.0)), 1e-12, "a shifted copy");
        Wasserstein1.Estimate e = Wasserstein1.estimate(p, q, Wasserstein1.critic(1, 8, 1, 0.05, 3), 100, 64, 5);
        assertTrue(e.lowerBound() <= truth + 1e-9, "lower bound " + e.lowerBound() + " above W1 = " + truth);
        assertTrue(e.lowerBound() >= 0.95 * truth, "lower bound " + e.lowerBound() + " vs W1 = " + truth);
        assertEquals(100, e.curve().length);
    }
}
