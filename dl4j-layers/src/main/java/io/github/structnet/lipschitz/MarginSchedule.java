package io.github.structnet.lipschitz;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.Cnn3DLossLayer;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.RnnLossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.solvers.BaseOptimizer;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.schedule.ISchedule;

import java.util.ArrayList;
import java.util.List;

/**
 * Changes the margin of a network's {@link MarginLoss} losses during training along an ND4J {@link ISchedule}:
 * before every iteration i of epoch e the loss asks for margin {@code schedule.valueAt(i, e)}. A typical use starts
 * with a small offset, so the network first learns to classify, and raises it to the radius wanted:
 * <pre>
 *   MarginSchedule.attach(net, new RampSchedule(new FixedSchedule(2.0), 5000));   // offset 0 → 2 over 5,000 steps
 * </pre>
 * The value in force is stored in the loss's configuration, so a saved network keeps the margin it was trained with
 * last; after a reload, attach the schedule again (it continues from the network's iteration and epoch counts).
 */
public final class MarginSchedule extends BaseTrainingListener {

    private final ISchedule schedule;
    private final List<MarginLoss> losses;

    private MarginSchedule(ISchedule schedule, List<MarginLoss> losses) {
        this.schedule = schedule;
        this.losses = losses;
    }

    /**
     * Finds the network's margin losses (in output and loss layers), sets them for the network's current iteration
     * and epoch, and adds the schedule to the network's listeners.
     *
     * @param network a {@link MultiLayerNetwork} or {@link ComputationGraph}
     * @throws IllegalArgumentException if the network has no margin loss, or the schedule's first value is not
     *                                  allowed for it
     */
    public static MarginSchedule attach(Model network, ISchedule schedule) {
        if (schedule == null) {
            throw new IllegalArgumentException("MarginSchedule: the schedule is null");
        }
        List<MarginLoss> losses = marginLosses(network);
        MarginSchedule s = new MarginSchedule(schedule, losses);
        s.apply(BaseOptimizer.getIterationCount(network), BaseOptimizer.getEpochCount(network));
        network.addListeners(s);
        return s;
    }

    /** The losses this schedule drives. */
    public List<MarginLoss> losses() {
        return List.copyOf(losses);
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        apply(iteration + 1, epoch);
    }

    @Override
    public void onEpochStart(Model model) {
        apply(BaseOptimizer.getIterationCount(model), BaseOptimizer.getEpochCount(model));
    }

    private void apply(int iteration, int epoch) {
        double value = schedule.valueAt(iteration, epoch);
        for (MarginLoss loss : losses) {
            try {
                loss.changeMargin(value);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("MarginSchedule: at iteration " + iteration + ", epoch " + epoch
                        + " the schedule " + schedule + " gives " + value + ": " + e.getMessage(), e);
            }
        }
    }

    private static List<MarginLoss> marginLosses(Model network) {
        List<Layer> layers = new ArrayList<>();
        if (network instanceof MultiLayerNetwork net) {
            for (NeuralNetConfiguration c : net.getLayerWiseConfigurations().getConfs()) {
                layers.add(c.getLayer());
            }
        } else if (network instanceof ComputationGraph graph) {
            for (GraphVertex v : graph.getConfiguration().getVertices().values()) {
                if (v instanceof LayerVertex lv) {
                    layers.add(lv.getLayerConf().getLayer());
                }
            }
        } else {
            throw new IllegalArgumentException("MarginSchedule: needs a MultiLayerNetwork or ComputationGraph; got "
                    + (network == null ? "null" : network.getClass().getName()));
        }
        List<MarginLoss> found = new ArrayList<>();
        List<String> others = new ArrayList<>();
        for (Layer layer : layers) {
            ILossFunction loss = lossOf(layer);
            if (loss instanceof MarginLoss m) {
                found.add(m);
            } else if (loss != null) {
                others.add(layer.getLayerName() + ": " + loss);
            }
        }
        if (found.isEmpty()) {
            throw new IllegalArgumentException("MarginSchedule: the network has no output or loss layer with a margin"
                    + " loss (TemperatureCrossEntropy, MultiClassHinge); its losses are " + others);
        }
        return found;
    }

    /** The loss of an output or loss layer; null for other layers. */
    private static ILossFunction lossOf(Layer layer) {
        if (layer instanceof BaseOutputLayer out) {
            return out.getLossFn();
        } else if (layer instanceof LossLayer l) {
            return l.getLossFn();
        } else if (layer instanceof CnnLossLayer l) {
            return l.getLossFn();
        } else if (layer instanceof RnnLossLayer l) {
            return l.getLossFn();
        } else if (layer instanceof Cnn3DLossLayer l) {
            return l.getLossFn();
        }
        return null;
    }
}
