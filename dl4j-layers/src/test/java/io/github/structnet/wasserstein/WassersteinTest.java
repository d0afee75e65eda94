package io.github.structnet.wasserstein;

import io.github.structnet.testutil.Nets;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Kantorovich–Rubinstein losses (value, DL4J gradient checks in double, bad labels) and the W₁ estimator on
 * problems with known answers: a translated point cloud (W₁ = ‖a‖) and two 1-D samples (W₁ from the sorted samples).
 * The certified lower bound never exceeds the true value and comes within 5 % of it.
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
        assertTrue(e.lowerBound() >= 0.95 * truth, "lower bound " + e.lowerBound() + " vs W1 = " + truth);
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
