package io.github.structnet.lipschitz;

import io.github.structnet.kernels.Gemm;
import io.github.structnet.kernels.Sums;
import io.github.structnet.kernels.Vectors;
import io.github.structnet.samediff.DirectPass;
import io.github.structnet.samediff.PassMemory;
import io.github.structnet.spectral.SpectralNormState;
import lombok.Data;
import lombok.EqualsAndHashCode;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.HashMap;
import java.util.Map;

/**
 * A spectrally normalised affine map, for the lift Q and the projection π of a 1-Lipschitz network
 * π ∘ φ_L ∘ … ∘ φ_1 ∘ Q.
 * <pre>
 *   y = (W / σ_W) x + b,    W ∈ ℝ^{nOut×nIn}  (nIn ≠ nOut allowed)
 * </pre>
 * <b>Guarantee.</b> At inference σ_W is the Gram-iteration bound B(W) ≥ ‖W‖₂ ({@link SpectralNormState}), so
 * ‖W/σ_W‖₂ ≤ 1 and ‖y(x) − y(x′)‖₂ ≤ ‖x − x′‖₂ for the weights the layer runs with. While training σ_W is the
 * power-iteration estimate ‖W v‖₂, which may be slightly below ‖W‖₂.
 * <p>No activation: compose with {@link GradientFlowDense} or a 1-Lipschitz activation layer.
 * Shapes: input [mb, nIn], W [nOut, nIn], b [1, nOut]; state {@value #VECTOR_KEY} [1, nIn].
 *
 * @see <a href="https://arxiv.org/abs/1802.05957">Miyato, Kataoka, Koyama, Yoshida 2018, Spectral normalization
 * for generative adversarial networks</a>
 */
@Data
@EqualsAndHashCode(callSuper = true)
public class SpectralDense extends AbstractNormalisedAffine implements DirectPass<SpectralDense.Saved> {


    /**
     * What {@link #forward} keeps for backprop: σ, and in training the power-iteration direction v̂ and W v̂ (as the
     * row v̂ Wᵀ) for the gradient of σ = ‖W v̂‖.
     */
    record Saved(double sigma, INDArray direction, INDArray image) {
    }

    private SpectralDense() {
        // for Jackson
    }

    private SpectralDense(Builder b) {
        super(b);
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> p, SDVariable mask) {
        SDVariable sigma = spectralNorm(sd, p);
        // mul by the reciprocal, not div: SameDiff M2.1 gets the gradient of a broadcast div wrong
        SDVariable y = sd.mmul(x, p.get(WEIGHT_KEY), false, true, false).mul(sigma.add(Norms.FLOOR).rdiv(1.0));
        return hasBias ? y.add(p.get(BIAS_KEY)) : y;
    }

    /**
     * The same map with hand-written ND4J calls (what the runtime runs): σ = ‖W v̂‖ in training and
     * max(‖W v̂‖, B(W)) at inference, as the definition's scale placeholder makes it; y = (x Wᵀ)/(σ + floor) + b as one
     * BLAS product onto the broadcast bias.
     */
    @Override
    public Forward<Saved> forward(Map<String, INDArray> p, INDArray x, boolean training, PassMemory memory) {
        INDArray w = p.get(WEIGHT_KEY);
        INDArray v = p.get(VECTOR_KEY);
        INDArray direction = v.div(Vectors.norm2(v));
        INDArray image = Gemm.product(direction, false, w, true);
        double estimate = Vectors.norm2(image);
        double sigma = estimate;
        if (!training) {
            sigma = Norms.atInference(estimate, certifiedNorm(p));
        }
        INDArray out = memory.result(x.dataType(), x.size(0), nOut);
        Gemm.accumulate(x, false, w, true, 1.0 / (sigma + Norms.FLOOR), startWithBias(p, out), out);
        return new Forward<>(x, out, training ? new Saved(sigma, direction, image) : new Saved(sigma, null, null));
    }

    /**
     * The vector–Jacobian product of {@link #forward}, with s = 1/(σ + floor) and G = ε W: ∂/∂x = s G,
     * ∂/∂W = s εᵀx − s² ⟨G, x⟩ (W v̂) v̂ᵀ / σ, ∂/∂b = Σ ε.
     */
    @Override
    public Backward backward(Map<String, INDArray> p, Forward<Saved> f, INDArray epsilon, PassMemory memory) {
        INDArray w = p.get(WEIGHT_KEY);
        INDArray x = f.input();
        Saved saved = f.saved();
        double scale = 1.0 / (saved.sigma() + Norms.FLOOR);
        INDArray g = Gemm.accumulate(epsilon, false, w, false, 1.0, 0.0,
                memory.scratch("g", x.dataType(), x.shape()));                       // ε W, [mb, nIn]
        double gradScale = Vectors.dot(g, x);                                        // ⟨ε, x Wᵀ⟩
        INDArray gradX = memory.result(x.dataType(), x.shape()).assign(g).muli(scale);
        INDArray gradW = Gemm.accumulate(epsilon, true, x, false, scale, 0.0, memory.gradient(WEIGHT_KEY));
        if (saved.direction() != null && saved.sigma() > 0) {
            double gradSigma = -gradScale * scale * scale;
            Gemm.accumulate(saved.image(), true, saved.direction(), false, gradSigma / saved.sigma(), 1.0, gradW);
        }
        Map<String, INDArray> grads = new HashMap<>();
        grads.put(WEIGHT_KEY, gradW);
        if (hasBias) {
            grads.put(BIAS_KEY, Sums.columns(epsilon, memory.gradient(BIAS_KEY)));
        }
        return new Backward(grads, gradX);
    }

    /** B(W) / (B(W) + floor) ≤ 1: the Gram-iteration bound of the given W over the normaliser used at inference. */
    @Override
    public double lipschitzBound(Map<String, INDArray> params) {
        double bound = certifiedNorm(params);
        return Norms.normalisedMap(bound, bound);
    }

    /** Builder in DL4J style. Defaults: with bias, 1 power iteration per step, 50 at initialisation. */
    public static class Builder extends AbstractNormalisedAffine.Builder<Builder> {

        @Override
        @SuppressWarnings("unchecked")
        public SpectralDense build() {
            validate();
            return new SpectralDense(this);
        }
    }
}
