package io.github.structnet.updater;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.MapSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

import java.util.Map;

import static io.github.structnet.updater.InPlaceUpdateTest.assertBitwiseEqual;
import static io.github.structnet.updater.InPlaceUpdateTest.data;
import static io.github.structnet.updater.InPlaceUpdateTest.graph;
import static io.github.structnet.updater.InPlaceUpdateTest.network;
import static io.github.structnet.updater.InPlaceUpdateTest.trainBoth;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A learning rate changed mid-training on every layer (SameDiff layers included) gives bitwise the training of a
 * schedule set from the start, with the same updater object and state; DL4J's own {@code setLearningRate} is shown
 * to miss the SameDiff layers (the reason this class exists).
 */
class LearningRatesTest {

    private static final ISchedule DROP_AT_3 = new MapSchedule(ScheduleType.ITERATION, Map.of(0, 3e-2, 3, 1e-2));

    @Test
    void rateChangedMidTrainingIsTheScheduleFromTheStart() {
        for (boolean inPlace : new boolean[]{false, true}) {
            MultiLayerNetwork scheduled = network(new Adam(DROP_AT_3));
            MultiLayerNetwork changed = network(new Adam(3e-2));
            if (inPlace) {
                InPlaceUpdate.install(scheduled);
                InPlaceUpdate.install(changed);
            }
            trainBoth(scheduled, changed, 3, 0);
            Object updater = changed.getUpdater();
            assertSame(changed, LearningRates.set(changed, 1e-2));
            assertSame(updater, changed.getUpdater(), "the same updater keeps running");
            trainBoth(scheduled, changed, 4, 3);
            assertBitwiseEqual(scheduled.params(), changed.params(), "parameters, in place " + inPlace);
            assertBitwiseEqual(scheduled.getUpdater().getStateViewArray(), changed.getUpdater().getStateViewArray(),
                    "updater state, in place " + inPlace);
        }
    }

    @Test
    void scheduleSetOnAGraphIsTheScheduleFromTheStart() {
        ISchedule decay = new ExponentialSchedule(ScheduleType.ITERATION, 2e-2, 0.8);
        ComputationGraph scheduled = InPlaceUpdate.install(graph(new Adam(decay)));
        ComputationGraph changed = InPlaceUpdate.install(graph(new Adam(2e-2)));
        LearningRates.set(changed, decay);
        for (int step = 0; step < 5; step++) {
            INDArray[] x = {data(step, 6)};
            INDArray[] y = {data(100 + step, 3)};
            scheduled.fit(x, y);
            changed.fit(x, y);
        }
        assertBitwiseEqual(scheduled.params(), changed.params(), "graph parameters");
    }

    @Test
    void dl4jSetLearningRateMissesSameDiffLayers() {
        MultiLayerNetwork net = network(new Nesterovs(1e-2, 0.9));
        net.setLearningRate(5e-3);
        // layer 0 is a GradientFlowDense (SameDiff), layer 1 a DenseLayer (BaseLayer)
        assertEquals(1e-2, net.getLayer(0).conf().getLayer().getUpdaterByParam("W").getLearningRate(0, 0), 0);
        assertEquals(5e-3, net.getLayer(1).conf().getLayer().getUpdaterByParam("W").getLearningRate(0, 0), 0);
        LearningRates.set(net, 5e-3);
        int trained = 0;
        for (int i = 0; i < net.getnLayers(); i++) {
            for (String p : net.getLayer(i).paramTable().keySet()) {
                IUpdater u = net.getLayer(i).conf().getLayer().getUpdaterByParam(p);
                if (u.hasLearningRate()) { // the power-iteration state has NoOp, without a rate
                    assertEquals(5e-3, u.getLearningRate(0, 0), 0, "layer " + i + " parameter " + p);
                    trained++;
                }
            }
        }
        assertEquals(9, trained, "W, b of the four layers and the gradient-flow step t");
    }

    @Test
    void badRatesAndUninitialisedNetworksAreRefused() {
        MultiLayerNetwork net = network(new Adam(1e-2));
        for (double bad : new double[]{0, -1e-3, Double.NaN, Double.POSITIVE_INFINITY}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> LearningRates.set(net, bad));
            assertTrue(e.getMessage().contains("LearningRates") && e.getMessage().contains(String.valueOf(bad)),
                    e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> LearningRates.set(net, (ISchedule) null));
        MultiLayerNetwork fresh = new MultiLayerNetwork(InPlaceUpdateTest.configuration(new Adam(1e-2)));
        assertTrue(assertThrows(IllegalStateException.class, () -> LearningRates.set(fresh, 1e-3)).getMessage()
                .contains("init()"));
        assertNotEquals(0, net.numParams());
    }
}
