package io.github.structnet.lipschitz;

import io.github.structnet.samediff.StructuredParameters;
import io.github.structnet.spectral.PowerIteration;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;
import java.util.Set;

/**
 * A layer whose state is one power-iteration vector {@value #VECTOR_KEY} of unit norm, re-derived from the weights
 * by {@link #initialiseState}. Its repair after averaging ({@link #repairState}): back to unit norm while the vector
 * still points somewhere ({@link PowerIteration#restoreUnit}), else re-derived.
 */
public interface PowerIterationVector extends StructuredParameters {

    /** The parameter key of the power-iteration vector. */
    String VECTOR_KEY = "v";

    /** The state is the power-iteration vector alone. */
    @Override
    default Set<String> stateParameterKeys() {
        return Set.of(VECTOR_KEY);
    }

    /**
     * The power-iteration estimate σ̂ = ‖A v̂‖₂ (v̂ = v/‖v‖₂) of the norm of the layer's operator A (its weight or
     * kernel): what a training pass normalises by, a lower bound of ‖A‖₂ that approaches it as training runs.
     */
    double powerIterationEstimate(Map<String, INDArray> params);

    /** v back to unit norm, or re-derived from the weights when it carries no direction any more. */
    @Override
    default boolean repairState(Map<String, INDArray> params) {
        if (PowerIteration.restoreUnit(params.get(VECTOR_KEY))) {
            return false;
        }
        initialiseState(params);
        return true;
    }
}
