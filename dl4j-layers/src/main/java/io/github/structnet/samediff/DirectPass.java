package io.github.structnet.samediff;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * A layer configuration that computes its forward pass and its vector–Jacobian product with hand-written ND4J calls
 * instead of the SameDiff graph (internal). The corrected runtime then never builds the graph: no second forward
 * pass in backprop (the forward pass keeps what backprop needs), no Σ out ⊙ ε loss, no gradient copies out of the
 * graph. {@code defineLayer} remains the readable statement of the same formula; the gradient checks test the
 * direct pass against finite differences.
 */
public interface DirectPass {

    /**
     * The layer's output for {@code input}.
     *
     * @param training whether this is a training-mode pass (training-mode normalisation; keep what backprop needs)
     * @param memory   where the output ({@link PassMemory#result}) and the temporaries go
     */
    Forward forward(Map<String, INDArray> params, INDArray input, boolean training, PassMemory memory);

    /**
     * The gradients ∂ℓ/∂θ for the trainable parameters and ∂ℓ/∂x for the input, given ε = ∂ℓ/∂out and the
     * training-mode forward pass of the same input.
     *
     * @param memory where the input gradient ({@link PassMemory#result}), the parameter gradients
     *               ({@link PassMemory#gradient}) and the temporaries go
     */
    Backward backward(Map<String, INDArray> params, Forward forward, INDArray epsilon, PassMemory memory);

    /** The output and whatever backprop needs from the forward pass. */
    record Forward(INDArray input, INDArray output, Map<String, Object> saved) {
    }

    /** Parameter gradients by key (trainable parameters only) and the input gradient. */
    record Backward(Map<String, INDArray> parameterGradients, INDArray inputGradient) {
    }
}
