package io.github.structnet.lipschitz;

import io.github.structnet.kernels.Vectors;
import io.github.structnet.samediff.PassMemory;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.function.DoubleSupplier;
import java.util.function.UnaryOperator;

/**
 * The step size of a gradient-flow block and its derivatives, as the direct passes of {@link GradientFlowDense} and
 * {@link GradientFlowConv2D} compute them:
 * <pre>
 *   τ = 2 s · sigmoid(t) / (σ² + floor),   ∂τ/∂t = 2 s · g (1 − g) / (σ² + floor),   ∂τ/∂σ = −τ · 2σ / (σ² + floor)
 * </pre>
 * with g = sigmoid(t), s the safety fraction and σ the operator-norm estimate (or bound) of the block's W or K.
 * In training σ = ‖A v̂‖ for the power-iteration direction v̂ = v/‖v‖ and the block's operator A, and the step keeps
 * v̂ and A v̂ for the gradient of σ; at inference σ is the certified bound B ≥ ‖A‖, which alone makes the step
 * non-expansive (the estimate ≤ ‖A‖ ≤ B would add nothing), and both are null.
 */
record GradientFlowStep(double sigma, double gate, double denominator, double tau, double safetyFraction,
                        INDArray direction, INDArray image) {

    /** The step at a given σ, without a power-iteration direction (inference, certificates). */
    static GradientFlowStep of(double sigma, INDArray t, double safetyFraction) {
        return of(sigma, t, safetyFraction, null, null);
    }

    /**
     * The step of one forward pass: in training σ = ‖A v̂‖ from the state vector v, at inference σ = the certified
     * bound.
     *
     * @param operator  A applied to a [1, …] array shaped like v
     * @param certified the certified bound B ≥ ‖A‖ (called at inference only)
     * @param memory    where v̂ goes (a scratch array of the pass)
     */
    static GradientFlowStep forPass(boolean training, INDArray v, UnaryOperator<INDArray> operator,
                                    DoubleSupplier certified, INDArray t, double safetyFraction, PassMemory memory) {
        if (!training) {
            return of(certified.getAsDouble(), t, safetyFraction);
        }
        INDArray direction = Vectors.scale(Vectors.copy(v, memory.scratch("direction", v.dataType(), v.shape())),
                1.0 / Vectors.norm2(v));
        INDArray image = operator.apply(direction);
        return of(Vectors.norm2(image), t, safetyFraction, direction, image);
    }

    private static GradientFlowStep of(double sigma, INDArray t, double safetyFraction, INDArray direction,
                                       INDArray image) {
        double gate = 1.0 / (1.0 + Math.exp(-t.getDouble(0)));
        double denominator = sigma * sigma + Norms.FLOOR;
        return new GradientFlowStep(sigma, gate, denominator, 2.0 * safetyFraction * gate / denominator,
                safetyFraction, direction, image);
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
