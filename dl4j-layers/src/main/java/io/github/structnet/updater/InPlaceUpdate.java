package io.github.structnet.updater;

import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * Lets DL4J's updater apply a network's own gradient in place, through the views it made once, instead of making new
 * views of every parameter on every iteration.
 * <p>DL4J's {@code BaseMultiLayerUpdater.update} tells the network's own gradient from an external one (gradient
 * sharing, RL4J) by object identity with the network's flattened gradient view. In DL4J 1.0.0-M2.1
 * {@code DefaultGradient.gradient()} returns a new reshaped view at every call, so the test always fails and every
 * iteration takes the external route: for every updater block a view of the gradient, and for every parameter a view
 * of it and of its gradient before and after the updater (in a network of eight dense blocks about 300 new arrays
 * per iteration, each with a native buffer and a reference the garbage collector must process). The route and the
 * arithmetic are otherwise the same, so results are bitwise equal; only the time and the garbage differ.
 * <p>{@link #install(MultiLayerNetwork)} and {@link #install(ComputationGraph)} replace the network's updater by one
 * that passes DL4J the network's own view whenever the gradient it receives lies in the same memory (a truly external
 * gradient goes the external route unchanged), keeping the updater state (Adam's moments, the iteration count lives
 * in the configuration). A network restored by {@code ModelSerializer} or made by {@code clone()} has DL4J's stock
 * updater again: install it there too.
 */
public final class InPlaceUpdate {

    private InPlaceUpdate() {
    }

    /** Gives {@code network} an {@link InPlaceMultiLayerUpdater} with its current updater state; returns it. */
    public static MultiLayerNetwork install(MultiLayerNetwork network) {
        requireInitialised(network.getLayers(), "MultiLayerNetwork");
        if (!(network.getUpdater() instanceof InPlaceMultiLayerUpdater)) {
            network.setUpdater(new InPlaceMultiLayerUpdater(network, stateOf(network.getUpdater())));
        }
        return network;
    }

    /** Gives {@code graph} an {@link InPlaceGraphUpdater} with its current updater state; returns it. */
    public static ComputationGraph install(ComputationGraph graph) {
        requireInitialised(graph.getLayers(), "ComputationGraph");
        if (!(graph.getUpdater() instanceof InPlaceGraphUpdater)) {
            graph.setUpdater(new InPlaceGraphUpdater(graph, stateOf(graph.getUpdater())));
        }
        return graph;
    }

    /** Whether the network's updater applies its own gradient in place (after {@code install}). */
    public static boolean isInstalled(MultiLayerNetwork network) {
        return network.getUpdater(false) instanceof InPlaceMultiLayerUpdater;
    }

    /** Whether the graph's updater applies its own gradient in place (after {@code install}). */
    public static boolean isInstalled(ComputationGraph graph) {
        return graph.getUpdater(false) instanceof InPlaceGraphUpdater;
    }

    /**
     * {@code gradient} itself when its flattened array is not the network's view {@code view} (an external
     * gradient), otherwise the same per-parameter gradients with {@code view} itself as the flattened array, so that
     * DL4J's identity test recognises it.
     */
    static Gradient withOwnView(Gradient gradient, INDArray view) {
        if (view == null || !sameMemory(gradient.gradient(), view)) {
            return gradient;
        }
        DefaultGradient own = new OwnViewGradient(view);
        for (Map.Entry<String, INDArray> entry : gradient.gradientForVariable().entrySet()) {
            Character order = gradient.flatteningOrderForVariable(entry.getKey());
            if (order == null) {
                own.setGradientFor(entry.getKey(), entry.getValue());
            } else {
                own.setGradientFor(entry.getKey(), entry.getValue(), order);
            }
        }
        return own;
    }

    /** The same elements of the same buffer: same first address, length, type, both contiguous. */
    static boolean sameMemory(INDArray a, INDArray b) {
        return a != null && a.length() == b.length() && a.dataType() == b.dataType()
                && a.elementWiseStride() == 1 && b.elementWiseStride() == 1
                && a.data().addressPointer().address() == b.data().addressPointer().address();
    }

    private static INDArray stateOf(Updater updater) {
        return updater == null ? null : updater.getStateViewArray();
    }

    private static void requireInitialised(Object[] layers, String what) {
        if (layers == null) {
            throw new IllegalStateException("InPlaceUpdate: call init() on the " + what + " before install()");
        }
    }

    /** A gradient whose flattened array is exactly the network's view (not a new reshape of it). */
    private static final class OwnViewGradient extends DefaultGradient {
        private final INDArray view;

        OwnViewGradient(INDArray view) {
            super(view);
            this.view = view;
        }

        @Override
        public INDArray gradient() {
            return view;
        }
    }
}
