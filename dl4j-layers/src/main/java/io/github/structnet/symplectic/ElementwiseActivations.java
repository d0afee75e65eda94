package io.github.structnet.symplectic;

import org.nd4j.linalg.activations.Activation;

import java.util.EnumSet;
import java.util.Set;

/**
 * Activations accepted by the symplectic modules: any deterministic element-wise function works (the update is
 * the gradient of a potential Σ uᵢ ∫σ), so only softmax (not element-wise) and the random RRELU are refused.
 */
final class ElementwiseActivations {

    static final Set<Activation> ALLOWED = EnumSet.of(Activation.TANH, Activation.SIGMOID, Activation.SOFTPLUS,
            Activation.RELU, Activation.LEAKYRELU, Activation.ELU, Activation.SOFTSIGN, Activation.IDENTITY,
            Activation.SWISH, Activation.GELU, Activation.HARDTANH, Activation.SELU);

    private ElementwiseActivations() {
    }

    static Activation require(Activation a, String owner) {
        if (a == null || !ALLOWED.contains(a)) {
            throw new IllegalArgumentException(owner + ": activation " + a + " is not allowed; an element-wise "
                    + "deterministic activation is needed, one of " + ALLOWED);
        }
        return a;
    }
}
