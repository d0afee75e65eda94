package io.github.structnet.examples.certified;

import io.github.structnet.examples.common.CosineDecay;
import io.github.structnet.updater.InPlaceUpdate;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The learning-rate decay of the budgeted runs: the cosine's values, its JSON form, bad arguments, and that the
 * updater the network actually runs with takes the new rate while keeping Adam's state and the in-place route.
 */
class BudgetDecayTest {

    @Test
    void cosineFallsFromInitialToLastAndStays() {
        CosineDecay d = new CosineDecay(1e-2, 1e-4, 100);
        assertEquals(1e-2, d.valueAt(0, 0), 0);
        assertEquals((1e-2 + 1e-4) / 2, d.valueAt(50, 3), 1e-15);
        assertEquals(1e-4, d.valueAt(100, 0), 1e-18);
        assertEquals(1e-4, d.valueAt(10_000, 0), 1e-18);
        double previous = Double.POSITIVE_INFINITY;
        for (int i = 0; i <= 100; i++) {
            assertTrue(d.valueAt(i, 0) <= previous, "not decreasing at " + i);
            previous = d.valueAt(i, 0);
        }
    }

    @Test
    void badArgumentsAreNamed() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new CosineDecay(0, 0, 10)).getMessage()
                .contains("initial rate"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new CosineDecay(1e-3, 1e-2, 10)).getMessage()
                .contains("last rate"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new CosineDecay(1e-3, 0, 0)).getMessage()
                .contains("steps"));
        assertThrows(IllegalArgumentException.class,
                () -> LayerFamilies.Settings.quick().withFinalLearningRate(Double.NaN));
    }

    @Test
    void jsonRoundTripGivesTheSameSchedule() throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        CosineDecay d = new CosineDecay(3e-3, 3e-5, 1234);
        ISchedule back = mapper.readValue(mapper.writeValueAsString(d), ISchedule.class);
        assertEquals(d, back);
    }

    @Test
    void runningUpdaterTakesTheDecayAndKeepsItsState() {
        LayerFamilies.Settings s = LayerFamilies.Settings.quick().withFinalLearningRate(1e-5);
        MultiLayerNetwork net = LayerFamilies.network(LayerFamilies.Family.SLL, s);
        org.nd4j.linalg.dataset.DataSet batch = new org.nd4j.linalg.dataset.DataSet(
                org.nd4j.linalg.factory.Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 8, 784),
                org.nd4j.linalg.factory.Nd4j.eye(10).getRows(0, 1, 2, 3, 4, 5, 6, 7).castTo(
                        org.nd4j.linalg.api.buffer.DataType.FLOAT));
        for (int i = 0; i < 3; i++) {
            net.fit(batch);
        }
        INDArray state = net.getUpdater().getStateViewArray().dup();
        assertFalse(state.sumNumber().doubleValue() == 0, "Adam's moments after three steps");

        LayerFamilies.decayOverBudget(net, s, 3, s.budgetSeconds() / 2); // half the budget gone: 6 steps in all

        assertTrue(InPlaceUpdate.isInstalled(net), "in-place updater after the rate change");
        assertEquals(state, net.getUpdater().getStateViewArray(), "Adam's state kept");
        for (UpdaterBlock block : ((BaseMultiLayerUpdater<?>) net.getUpdater()).getUpdaterBlocks()) {
            IUpdater running = block.getGradientUpdater().getConfig();
            assertEquals(s.learningRate(), running.getLearningRate(0, 0), 1e-15);
            assertEquals(1e-5, running.getLearningRate(6, 0), 1e-15, "final rate after the estimated 6 steps");
        }
        net.fit(batch);
        assertTrue(Double.isFinite(net.score()));
    }
}
