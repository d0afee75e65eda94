package io.github.structnet.updater;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * Changes the learning rate of a trained or training network on every layer, StructNet's SameDiff layers included,
 * keeping the updater and its state (Adam's moments).
 * <p>DL4J 1.0.0-M2.1's {@code MultiLayerNetwork.setLearningRate} and {@code ComputationGraph.setLearningRate} change
 * only layers that extend {@code BaseLayer}: on a SameDiff layer (every StructNet layer) the rate silently stays
 * what it was. They also replace the updater by a new stock one, which drops {@link InPlaceUpdate}. This class sets
 * the rate (or schedule) on the updater configuration of every parameter that has one; the running updater
 * reads that same configuration object, so the change applies from the next iteration, with the same updater and
 * state. Updaters without a learning rate (AdaDelta, NoOp) are left as they are.
 */
public final class LearningRates {

    private LearningRates() {
    }

    /** Sets a fixed learning rate on every layer of {@code network}; returns it. */
    public static MultiLayerNetwork set(MultiLayerNetwork network, double rate) {
        setOnLayers(network.getLayers(), requireRate(rate), null, "MultiLayerNetwork");
        return network;
    }

    /** Sets a learning-rate schedule on every layer of {@code network}; returns it. */
    public static MultiLayerNetwork set(MultiLayerNetwork network, ISchedule schedule) {
        setOnLayers(network.getLayers(), Double.NaN, requireSchedule(schedule), "MultiLayerNetwork");
        return network;
    }

    /** Sets a fixed learning rate on every layer of {@code graph}; returns it. */
    public static ComputationGraph set(ComputationGraph graph, double rate) {
        setOnLayers(graph.getLayers(), requireRate(rate), null, "ComputationGraph");
        return graph;
    }

    /** Sets a learning-rate schedule on every layer of {@code graph}; returns it. */
    public static ComputationGraph set(ComputationGraph graph, ISchedule schedule) {
        setOnLayers(graph.getLayers(), Double.NaN, requireSchedule(schedule), "ComputationGraph");
        return graph;
    }

    private static void setOnLayers(Layer[] layers, double rate, ISchedule schedule, String what) {
        if (layers == null) {
            throw new IllegalStateException("LearningRates: call init() on the " + what + " first");
        }
        for (Layer layer : layers) {
            org.deeplearning4j.nn.conf.layers.Layer conf = layer.conf().getLayer();
            for (String parameter : layer.paramTable().keySet()) {
                IUpdater updater = conf.getUpdaterByParam(parameter);
                if (updater != null && updater.hasLearningRate()) {
                    updater.setLrAndSchedule(rate, schedule == null ? null : schedule.clone());
                }
            }
        }
    }

    private static double requireRate(double rate) {
        if (!(rate > 0) || Double.isInfinite(rate)) {
            throw new IllegalArgumentException("LearningRates: the learning rate must be finite and > 0; got " + rate);
        }
        return rate;
    }

    private static ISchedule requireSchedule(ISchedule schedule) {
        if (schedule == null) {
            throw new IllegalArgumentException("LearningRates: the schedule must not be null (pass a rate instead)");
        }
        return schedule;
    }
}
