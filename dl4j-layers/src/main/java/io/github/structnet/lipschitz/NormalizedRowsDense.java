package io.github.structnet.lipschitz;

import io.github.structnet.kernels.Gemm;
import io.github.structnet.kernels.Sums;
import io.github.structnet.samediff.DirectPass;
import io.github.structnet.samediff.PassMemory;
import io.github.structnet.spectral.GramIteration;
import lombok.Data;
import lombok.EqualsAndHashCode;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.HashMap;
import java.util.Map;

/**
 * A last layer with unit-norm rows (last-layer normalisation): the logits are inner products with unit vectors.
 * <pre>
 *   y = Ŵ x + b,    ŵᵢ = wᵢ / (‖wᵢ‖₂ + floor),    W ∈ ℝ^{nOut×nIn}
 * </pre>
 * <b>Guarantee.</b> Each logit is 1-Lipschitz and each difference yᵢ − yⱼ is ‖ŵᵢ − ŵⱼ‖₂ ≤ 2 Lipschitz, the factor the
 * pairwise margin certificate ({@code certify.MarginCertificate.pairwiseRadii}) uses instead of √2 ‖Ŵ‖₂. The map
 * as a whole is not 1-Lipschitz (‖Ŵ‖₂ ≤ √nOut): {@link #lipschitzBound} is the Gram-iteration bound of the Ŵ the layer
 * computes, so a network bound through it stays sound.
 * Shapes: input [mb, nIn], W [nOut, nIn], b [1, nOut], output [mb, nOut].
 *
 * @see <a href="https://arxiv.org/abs/2206.08950">Singla, Singla, Feizi 2022, Improved techniques for deterministic
 * l2 robustness</a>
 */
@Data
@EqualsAndHashCode(callSuper = true)
public class NormalizedRowsDense extends AbstractCertifiedDense implements DirectPass<NormalizedRowsDense.Saved> {

    public static final String WEIGHT_KEY = "W";
    public static final String BIAS_KEY = "b";

    private long nOut;

    /** What {@link #forward} keeps for backprop: the row norms + floor [nOut, 1] and Ŵ. */
    record Saved(INDArray norms, INDArray normalized) {
    }

    private NormalizedRowsDense() {
        // for Jackson
    }

    private NormalizedRowsDense(Builder b) {
        super(b);
        this.nOut = b.nOut;
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> p, SDVariable mask) {
        SDVariable w = p.get(WEIGHT_KEY);
        SDVariable inverseNorms = w.norm2(true, 1).add(Norms.FLOOR).rdiv(1.0);
        return sd.mmul(x, w.mul(inverseNorms), false, true, false).add(p.get(BIAS_KEY));
    }

    /** The same map with hand-written ND4J calls (what the runtime runs): Ŵ, then y = x Ŵᵀ + b in one product. */
    @Override
    public Forward<Saved> forward(Map<String, INDArray> p, INDArray x, boolean training, PassMemory memory) {
        Saved saved = normalize(p.get(WEIGHT_KEY), memory.scratch("normalized", x.dataType(), nOut, nIn));
        INDArray out = Gemm.broadcastRow(p.get(BIAS_KEY), 0.0, memory.result(x.dataType(), x.size(0), nOut));
        Gemm.accumulate(x, false, saved.normalized(), true, 1.0, 1.0, out);
        return new Forward<>(x, out, saved);
    }

    /** ‖wᵢ‖ + floor and Ŵ written into {@code normalized} (the forward pass and the certificate share it). */
    private static Saved normalize(INDArray w, INDArray normalized) {
        INDArray norms = w.norm2(true, 1).addi(Norms.FLOOR);
        return new Saved(norms, normalized.assign(w).diviColumnVector(norms));
    }

    /**
     * The vector–Jacobian product of {@link #forward}, with G = εᵀx the gradient at Ŵ: ∂/∂x = ε Ŵ,
     * ∂/∂wᵢ = (gᵢ − (gᵢ·ŵᵢ) ŵᵢ (‖wᵢ‖ + floor)/‖wᵢ‖) / (‖wᵢ‖ + floor), ∂/∂b = Σ ε.
     */
    @Override
    public Backward backward(Map<String, INDArray> p, Forward<Saved> f, INDArray epsilon, PassMemory memory) {
        INDArray x = f.input();
        Saved saved = f.saved();
        INDArray w = p.get(WEIGHT_KEY);
        INDArray gradX = Gemm.accumulate(epsilon, false, saved.normalized(), false, 1.0, 0.0,
                memory.result(x.dataType(), x.shape()));
        INDArray atNormalized = Gemm.accumulate(epsilon, true, x, false, 1.0, 0.0,
                memory.scratch("atNormalized", x.dataType(), nOut, nIn));
        // radial part: (g·w) w / ((‖w‖ + floor)² ‖w‖), the derivative of 1/(‖w‖ + floor) along w
        INDArray rowNorms = saved.norms().sub(Norms.FLOOR);
        INDArray work = memory.scratch("work", x.dataType(), nOut, nIn);
        INDArray radial = work.assign(atNormalized).muli(w).sum(true, 1)
                .divi(saved.norms().mul(saved.norms()).muli(Transforms.max(rowNorms, Double.MIN_NORMAL, false)));
        INDArray gradW = memory.gradient(WEIGHT_KEY).assign(atNormalized).diviColumnVector(saved.norms())
                .subi(work.assign(w).muliColumnVector(radial));
        Map<String, INDArray> grads = new HashMap<>();
        grads.put(WEIGHT_KEY, gradW);
        grads.put(BIAS_KEY, Sums.columns(epsilon, memory.gradient(BIAS_KEY)));
        return new Backward(grads, gradX);
    }

    /** B(Ŵ) ≥ ‖Ŵ‖₂ for the Ŵ the layer computes from the given W (at most √nOut), cached per bit-exact W. */
    @Override
    public double lipschitzBound(Map<String, INDArray> params) {
        INDArray w = params.get(WEIGHT_KEY);
        return cachedBound(w, "rows", () -> GramIteration.upperBound(normalize(w, w.ulike()).normalized()));
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        requireInputSize();
        params.addWeightParam(WEIGHT_KEY, nOut, nIn);
        params.addBiasParam(BIAS_KEY, 1, nOut);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        initWeights((int) nIn, (int) nOut, getWeightInit(), params.get(WEIGHT_KEY));
        params.get(BIAS_KEY).assign(0);
    }

    @Override
    protected long outputSize() {
        return nOut;
    }

    /** Builder in DL4J style; nIn inferred from the input type. */
    public static class Builder extends AbstractCertifiedDense.Builder<Builder> {
        private long nOut;

        /** Number of outputs (classes). */
        public Builder nOut(long nOut) {
            this.nOut = nOut;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public NormalizedRowsDense build() {
            DenseLayerSupport.requirePositive(nOut, "nOut", owner());
            return new NormalizedRowsDense(this);
        }
    }
}
