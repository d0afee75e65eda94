package io.github.structnet.samediff;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * A layer configuration that computes its forward pass and its vector–Jacobian product with hand-written ND4J calls
 * instead of the SameDiff graph (internal). The corrected runtime then never builds the graph: no second forward
 * pass in backprop (the forward pass keeps what backprop needs), no Σ out ⊙ ε loss, no gradient copies out of the
 * graph. {@code defineLayer} remains the readable statement of the same formula: a test runs both routes on the same
 * weights and inputs and holds outputs and gradients equal; the gradient checks test the direct pass against finite
 * differences.
 * <p>What the forward pass keeps for backprop is a record of the layer's own ({@code S}); the runtime frees its array
 * components that the layer's {@link PassMemory} does not own.
 *
 * @param <S> the record of arrays and values the forward pass keeps for backprop
 */
public interface DirectPass<S extends Record> {

    /**
     * The layer's output for {@code input}.
     *
     * @param training whether this is a training-mode pass (training-mode normalisation; keep what backprop needs)
     * @param memory   where the output ({@link PassMemory#result}) and the temporaries go
     */
    Forward<S> forward(Map<String, INDArray> params, INDArray input, boolean training, PassMemory memory);

    /**
     * The gradients ∂ℓ/∂θ for the trainable parameters and ∂ℓ/∂x for the input, given ε = ∂ℓ/∂out and the
     * training-mode forward pass of the same input.
     *
     * @param memory where the input gradient ({@link PassMemory#result}), the parameter gradients
     *               ({@link PassMemory#gradient}) and the temporaries go
     */
    Backward backward(Map<String, INDArray> params, Forward<S> forward, INDArray epsilon, PassMemory memory);

    /** The output and what backprop needs from the forward pass. */
    record Forward<S extends Record>(INDArray input, INDArray output, S saved) {
    }

    /** Parameter gradients by key (trainable parameters only) and the input gradient. */
    record Backward(Map<String, INDArray> parameterGradients, INDArray inputGradient) {
    }
}
