package io.github.structnet.samediff;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * A vertex configuration that computes its forward pass and vector–Jacobian product by hand instead of through a
 * SameDiff graph (internal), for vertices whose computation has no static graph (an adaptive ODE solve). The
 * corrected runtime then never builds the graph; it copies the output and the input gradients into DL4J's workspaces
 * and the parameter gradients into the gradient views.
 *
 * @param <S> what the forward pass keeps for backprop
 */
public interface DirectVertexPass<S extends Record> {

    /**
     * The vertex's output for {@code inputs}.
     *
     * @param masks the inputs' masks (the array or its entries may be null)
     */
    Forward<S> forward(Map<String, INDArray> params, INDArray[] inputs, INDArray[] masks, boolean training);

    /**
     * ∂ℓ/∂θ for the trainable parameters and ∂ℓ/∂ of every input, given ε = ∂ℓ/∂out and the training-mode forward
     * pass of the same inputs.
     */
    Backward backward(Map<String, INDArray> params, Forward<S> forward, INDArray epsilon);

    /** The output and what backprop needs. */
    record Forward<S extends Record>(INDArray[] inputs, INDArray output, S saved) {
    }

    /** Parameter gradients by key and one gradient per input. */
    record Backward(Map<String, INDArray> parameterGradients, INDArray[] inputGradients) {
    }
}
