package io.github.structnet.lipschitz;

import org.nd4j.linalg.activations.Activation;

import java.util.EnumSet;
import java.util.Set;

/**
 * The activations σ for which the gradient-flow step x − τ Wᵀ σ(Wx + b) is non-expansive: σ applied
 * element-wise, monotone non-decreasing and 1-Lipschitz (0 ≤ σ′ ≤ 1).
 * <p>Refused, with the reason: SELU (slope 1.0507), GELU, SWISH and MISH (not monotone), CUBE and
 * RATIONALTANH (slope above 1), RRELU (random), SOFTMAX (not element-wise).
 */
public final class MonotoneActivations {

    /** The accepted activations. */
    public static final Set<Activation> ALLOWED = EnumSet.of(Activation.RELU, Activation.LEAKYRELU, Activation.RELU6,
            Activation.ELU, Activation.TANH, Activation.HARDTANH, Activation.SIGMOID, Activation.HARDSIGMOID,
            Activation.SOFTSIGN, Activation.SOFTPLUS, Activation.IDENTITY);

    private MonotoneActivations() {
    }

    /**
     * @param owner names the layer in the message
     * @throws IllegalArgumentException when σ is not monotone and 1-Lipschitz
     */
    public static Activation require(Activation activation, String owner) {
        if (activation == null || !ALLOWED.contains(activation)) {
            throw new IllegalArgumentException(owner + ": activation " + activation
                    + " is not allowed; the 1-Lipschitz guarantee needs a monotone 1-Lipschitz activation, one of "
                    + ALLOWED);
        }
        return activation;
    }
}
