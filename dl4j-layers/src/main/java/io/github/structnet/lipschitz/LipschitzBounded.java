package io.github.structnet.lipschitz;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * A layer or vertex configuration that can certify an upper bound of its Lipschitz constant (ℓ2 → ℓ2)
 * for given parameters, as the layer runs at inference.
 */
public interface LipschitzBounded {

    /**
     * A sound upper bound L with ‖f(x) − f(x′)‖₂ ≤ L ‖x − x′‖₂ for all inputs.
     *
     * @param params the layer's parameters, by key
     */
    double lipschitzBound(Map<String, INDArray> params);
}
