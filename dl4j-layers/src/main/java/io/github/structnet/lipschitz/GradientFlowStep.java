package io.github.structnet.lipschitz;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The step size of a gradient-flow block and its derivatives, as the direct passes of {@link GradientFlowDense} and
 * {@link GradientFlowConv2D} compute them:
 * <pre>
 *   τ = 2 s · sigmoid(t) / (σ² + floor),   ∂τ/∂t = 2 s · g (1 − g) / (σ² + floor),   ∂τ/∂σ = −τ · 2σ / (σ² + floor)
 * </pre>
 * with g = sigmoid(t), s the safety fraction and σ the operator-norm estimate (or bound) of the block's W or K.
 */
record GradientFlowStep(double sigma, double gate, double denominator, double tau, double safetyFraction) {

    static GradientFlowStep of(double sigma, INDArray t, double safetyFraction) {
        double gate = 1.0 / (1.0 + Math.exp(-t.getDouble(0)));
        double denominator = sigma * sigma + Norms.FLOOR;
        return new GradientFlowStep(sigma, gate, denominator, 2.0 * safetyFraction * gate / denominator,
                safetyFraction);
    }

    /**
     * The Lipschitz bound of the step x ↦ x − τ Wᵀ σ(W x + b) for a sound bound {@code operatorNorm} ≥ ‖W‖₂: the
     * Jacobian I − τ Wᵀ D W (0 ≤ D ≤ I) is symmetric with eigenvalues in [1 − τ‖W‖₂², 1], so its norm is at most
     * max(1, τ · operatorNorm² − 1).
     */
    double lipschitzBound(double operatorNorm) {
        return Math.max(1.0, tau * operatorNorm * operatorNorm - 1.0);
    }

    /** ∂ℓ/∂t from ∂ℓ/∂τ. */
    double gradientOfT(double gradTau) {
        return gradTau * 2.0 * safetyFraction * gate * (1 - gate) / denominator;
    }

    /** ∂ℓ/∂σ from ∂ℓ/∂τ. */
    double gradientOfSigma(double gradTau) {
        return -gradTau * tau * 2.0 * sigma / denominator;
    }
}
