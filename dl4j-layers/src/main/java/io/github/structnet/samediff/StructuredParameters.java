package io.github.structnet.samediff;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.regularization.Regularization;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a StructNet layer or vertex configuration tells the corrected runtime about its parameters:
 * which of them are non-trainable state (for example a power-iteration vector), how that state is
 * updated, and which extra placeholders the SameDiff graph needs at each forward pass.
 * <p>State parameters are ordinary DL4J parameters (so {@code ModelSerializer} saves them) with a
 * {@code NoOp} updater, no regularisation and a zero gradient.
 */
public interface StructuredParameters {

    /** Keys of parameters that hold state rather than trainable weights. Empty by default. */
    default Set<String> stateParameterKeys() {
        return Set.of();
    }

    /**
     * Updates the state parameters in place. The runtime calls this once per training iteration, before
     * the first training-mode forward pass of that iteration, and never in inference.
     *
     * @param params all parameters of this layer or vertex (views into the network's parameter vector)
     */
    default void updateState(Map<String, INDArray> params) {
    }

    /**
     * Re-derives the state parameters from the current weights, as initialisation does (for example after the
     * weights were copied from another network). Nothing by default.
     */
    default void initialiseState(Map<String, INDArray> params) {
    }

    /**
     * Makes the state valid again after it was changed from outside the layer — averaged with other copies of the
     * network (parameter averaging on Spark) — without touching the weights: a state that is still meaningful is
     * restored to its invariant (a power-iteration vector to unit norm), one that is not is re-derived from the
     * weights as {@link #initialiseState} does. Nothing by default.
     *
     * @return whether the state was re-derived from the weights
     */
    default boolean repairState(Map<String, INDArray> params) {
        return false;
    }

    /**
     * Values of the extra placeholders the graph declared, for one forward pass.
     *
     * @param params   all parameters (read only)
     * @param training whether this is a training-mode pass
     */
    default Map<String, INDArray> placeholderValues(Map<String, INDArray> params, boolean training) {
        return Map.of();
    }

    /**
     * Values of the extra placeholders for one forward pass that depend on the inputs too (for example the
     * converged solution of an implicit step). Delegates to {@link #placeholderValues(Map, boolean)} by default.
     *
     * @param inputs the inputs of this pass (read only)
     */
    default Map<String, INDArray> placeholderValues(Map<String, INDArray> params, INDArray[] inputs, boolean training) {
        return placeholderValues(params, training);
    }

    /** A short description for error messages, such as {@code GradientFlowDense 'block1'}. */
    String describe();

    /** The updater of a parameter: {@link NoOp} for state, {@code configured} for the others. */
    default IUpdater updaterFor(String key, IUpdater configured) {
        return stateParameterKeys().contains(key) ? new NoOp() : configured;
    }

    /** The regularisation of a parameter: none for state, {@code configured} for the others. */
    default List<Regularization> regularizationFor(String key, List<Regularization> configured) {
        return stateParameterKeys().contains(key) ? List.of() : configured;
    }

    /** {@code describe()} of a configuration: its class and, if it has one, its name. */
    static String describe(Object configuration, String name) {
        return describe(configuration.getClass(), name);
    }

    /** {@code describe()} of a configuration class and a name (which may be null). */
    static String describe(Class<?> configuration, String name) {
        return configuration.getSimpleName() + (name == null ? "" : " '" + name + "'");
    }
}
