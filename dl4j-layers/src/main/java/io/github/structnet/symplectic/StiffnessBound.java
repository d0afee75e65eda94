package io.github.structnet.symplectic;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A parametrisation of the learned potential H(x) = uᵀγ(A x + a) that keeps every implicit midpoint step of size h a
 * contraction: the layer runs with u scaled by
 * <pre>
 *   s = min(1, κ / (‖A‖_F² · ‖u‖_∞ + 10⁻³⁰)),     κ = 2ρ / (h · sup|γ″|)
 * </pre>
 * <b>Guarantee.</b> ∇²H(x) = Aᵀ diag(u ⊙ γ″(A x + a)) A, so ‖𝕁∇²H(x)‖₂ ≤ ‖A‖₂² ‖u‖_∞ sup|γ″| ≤ ‖A‖_F² ‖u‖_∞ sup|γ″|
 * for every x, and with s·u in place of u
 * <pre>
 *   (h/2) · Lip(𝕁∇H) ≤ ρ &lt; 1.
 * </pre>
 * The midpoint equation y = x + h 𝕁∇H((x + y)/2) is then a contraction in y with rate ρ: it has exactly one solution
 * for every x, the branch of solutions never folds, and R′(y) = I − (h/2)𝕁∇²H is invertible everywhere (‖R′⁻¹‖ ≤
 * 1/(1 − ρ)), whatever training does to the weights. The scale is 1 (the potential unchanged) while the bound holds
 * without it. The same formula runs in the graph ({@link #scaledOuter(SameDiff, SDVariable, SDVariable)}, so
 * gradients see it) and in the solver ({@link #scaledOuter(INDArray, INDArray)}).
 *
 * @param rho        the contraction rate ρ ∈ (0, 1)
 * @param step       the step h &gt; 0
 * @param potential  the potential γ, whose sup|γ″| enters κ
 */
public record StiffnessBound(double rho, double step, ScalarPotential potential) {

    /** Keeps the quotient finite for an all-zero A or u (then s = 1). */
    private static final double TINY = 1e-30;

    /** κ = 2ρ / (h · sup|γ″|): the largest ‖A‖_F² ‖u‖_∞ the potential may have unscaled. */
    public double kappa() {
        return 2 * rho / (step * potential.maxCurvature());
    }

    /** s·u in plain ND4J (a new array), for the solver. */
    public INDArray scaledOuter(INDArray weights, INDArray outer) {
        double frobeniusSquared = weights.norm2Number().doubleValue();
        frobeniusSquared *= frobeniusSquared;
        double size = frobeniusSquared * outer.amaxNumber().doubleValue() + TINY;
        double scale = Math.min(1.0, kappa() / size);
        return outer.mul(scale);
    }

    /** s·u in the graph (same formula), so that training sees the scale. */
    public SDVariable scaledOuter(SameDiff sd, SDVariable weights, SDVariable outer) {
        SDVariable frobeniusSquared = sd.math().square(weights).sum();
        SDVariable size = frobeniusSquared.mul(sd.math().abs(outer).max()).add(TINY);
        // min(1, κ/size) = 1 − relu(1 − κ/size)
        SDVariable scale = sd.nn().relu(size.rdiv(kappa()).rsub(1.0), 0.0).rsub(1.0);
        return outer.mul(scale);
    }
}
