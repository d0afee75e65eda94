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
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.HashMap;
import java.util.Map;

/**
 * An almost-orthogonal (AOL) affine map: W rescaled column by column so that it cannot expand, with no power
 * iteration and no state.
 * <pre>
 *   y = W D x + b,    D = diag(dᵢ),   dᵢ = (Σⱼ |(WᵀW)ᵢⱼ| + floor)^{-1/2},    W ∈ ℝ^{nOut×nIn}
 * </pre>
 * <b>Guarantee.</b> ‖W D‖₂ ≤ 1 for every W: with P = WᵀW and M = D P D, the positive vector uᵢ = 1/dᵢ satisfies
 * Σⱼ |Mᵢⱼ| uⱼ = dᵢ Σⱼ |Pᵢⱼ| ≤ uᵢ, so by the Schur test ‖W D‖₂² = ρ(M) ≤ 1 and ‖y(x) − y(x′)‖₂ ≤ ‖x − x′‖₂. The
 * rescaling is part of the layer's formula, the same in training and at inference, so the guarantee holds for the
 * weights the layer trains with as well. {@link #lipschitzBound} does not assume it: it returns the Gram-iteration
 * bound of the W D the layer computes (1 up to rounding).
 * <p>Where WᵀW is nearly diagonal (W nearly orthogonal up to column scales) the rescaled map is nearly an
 * isometry; where columns overlap it contracts.
 * Shapes: input [mb, nIn], W [nOut, nIn], b [1, nOut], output [mb, nOut]. Parameters: {@value #WEIGHT_KEY},
 * {@value #BIAS_KEY}.
 *
 * @see <a href="https://arxiv.org/abs/2208.03160">Prach, Lampert 2022, Almost-orthogonal layers for efficient
 * general-purpose Lipschitz networks</a>
 */
@Data
@EqualsAndHashCode(callSuper = true)
public class AolDense extends AbstractCertifiedDense implements DirectPass<AolDense.Saved> {

    public static final String WEIGHT_KEY = "W";
    public static final String BIAS_KEY = "b";

    private long nOut;
    private boolean hasBias;

    /** What {@link #forward} keeps for backprop: the scales d [1, nIn], W D, and the signs of WᵀW (scratch arrays). */
    record Saved(INDArray scales, INDArray rescaled, INDArray gramSigns) {
    }

    private AolDense() {
        // for Jackson
    }

    private AolDense(Builder b) {
        super(b);
        this.nOut = b.nOut;
        this.hasBias = b.hasBias;
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> p, SDVariable mask) {
        SDVariable w = p.get(WEIGHT_KEY);
        SDVariable gram = sd.mmul(w, w, true, false, false);
        SDVariable scales = sd.math().pow(sd.math().abs(gram).sum(true, 0).add(Norms.FLOOR), -0.5);
        SDVariable y = sd.mmul(x, w.mul(scales), false, true, false);
        return hasBias ? y.add(p.get(BIAS_KEY)) : y;
    }

    /**
     * The same map with hand-written ND4J calls (what the runtime runs): P = WᵀW, d from the column sums of |P|,
     * W D, then y = x (W D)ᵀ + b as one BLAS product onto the broadcast bias.
     */
    @Override
    public Forward<Saved> forward(Map<String, INDArray> p, INDArray x, boolean training, PassMemory memory) {
        INDArray w = p.get(WEIGHT_KEY);
        Saved rescaling = rescale(w, memory.scratch("gram", w.dataType(), nIn, nIn),
                memory.scratch("signs", w.dataType(), nIn, nIn), memory.scratch("scales", w.dataType(), 1, nIn),
                memory.scratch("rescaled", w.dataType(), nOut, nIn));
        INDArray out = memory.result(x.dataType(), x.size(0), nOut);
        double beta = 0.0;
        if (hasBias) {
            Gemm.broadcastRow(p.get(BIAS_KEY), 0.0, out);
            beta = 1.0;
        }
        Gemm.accumulate(x, false, rescaling.rescaled(), true, 1.0, beta, out);
        return new Forward<>(x, out, rescaling);
    }

    /**
     * W D with its scales d and sign(WᵀW), written into the given arrays (the forward pass and the certificate compute
     * the same W D this way): P = WᵀW, dᵢ = (Σⱼ |Pⱼᵢ| + floor)^{-1/2}.
     */
    private static Saved rescale(INDArray w, INDArray gram, INDArray signs, INDArray scales, INDArray rescaled) {
        Gemm.accumulate(w, true, w, false, 1.0, 0.0, gram);
        Transforms.sign(signs.assign(gram), false);
        Sums.columns(Transforms.abs(gram, false), scales);
        Transforms.pow(scales.addi(Norms.FLOOR), -0.5, false);
        return new Saved(scales, rescaled.assign(w).muliRowVector(scales), signs);
    }

    /**
     * The vector–Jacobian product of {@link #forward}, with G = εᵀx the gradient at W D, S = sign(WᵀW) and
     * g = −½ d³ ⊙ colsum(G ⊙ W) the gradient at the column sums s: ∂/∂x = ε W D,
     * ∂/∂W = G D + (W diag(g)) S + (W S) diag(g), ∂/∂b = Σ ε.
     */
    @Override
    public Backward backward(Map<String, INDArray> p, Forward<Saved> f, INDArray epsilon, PassMemory memory) {
        INDArray w = p.get(WEIGHT_KEY);
        INDArray x = f.input();
        Saved saved = f.saved();
        INDArray gradX = Gemm.accumulate(epsilon, false, saved.rescaled(), false, 1.0, 0.0,
                memory.result(x.dataType(), x.shape()));
        INDArray atRescaled = Gemm.accumulate(epsilon, true, x, false, 1.0, 0.0,
                memory.scratch("atRescaled", w.dataType(), nOut, nIn));
        INDArray scales = saved.scales();
        INDArray work = memory.scratch("work", w.dataType(), nOut, nIn);
        INDArray atSums = Sums.columns(work.assign(atRescaled).muli(w), memory.scratch("atSums", w.dataType(), 1, nIn))
                .muli(scales).muli(scales).muli(scales).muli(-0.5);
        INDArray gradW = memory.gradient(WEIGHT_KEY).assign(atRescaled).muliRowVector(scales);
        Gemm.accumulate(work.assign(w).muliRowVector(atSums), false, saved.gramSigns(), false, 1.0, 1.0, gradW);
        INDArray weightSigns = Gemm.accumulate(w, false, saved.gramSigns(), false, 1.0, 0.0,
                memory.scratch("weightSigns", w.dataType(), nOut, nIn));
        gradW.addi(weightSigns.muliRowVector(atSums));
        Map<String, INDArray> grads = new HashMap<>();
        grads.put(WEIGHT_KEY, gradW);
        if (hasBias) {
            grads.put(BIAS_KEY, Sums.columns(epsilon, memory.gradient(BIAS_KEY)));
        }
        return new Backward(grads, gradX);
    }

    /**
     * The Gram-iteration bound B(W D) ≥ ‖W D‖₂ of the rescaled weight the layer computes from the given W (1 up to
     * rounding by the Schur test), cached per bit-exact W.
     */
    @Override
    public double lipschitzBound(Map<String, INDArray> params) {
        INDArray w = params.get(WEIGHT_KEY);
        return cachedBound(w, "aol", () -> GramIteration.upperBound(rescale(w,
                Nd4j.createUninitialized(w.dataType(), w.columns(), w.columns()),
                Nd4j.createUninitialized(w.dataType(), w.columns(), w.columns()),
                Nd4j.createUninitialized(w.dataType(), 1, w.columns()), w.ulike()).rescaled()));
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        requireInputSize();
        params.addWeightParam(WEIGHT_KEY, nOut, nIn);
        if (hasBias) {
            params.addBiasParam(BIAS_KEY, 1, nOut);
        }
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        initWeights((int) nIn, (int) nOut, getWeightInit(), params.get(WEIGHT_KEY));
        if (hasBias) {
            params.get(BIAS_KEY).assign(0);
        }
    }

    @Override
    protected long outputSize() {
        return nOut;
    }

    /** Builder in DL4J style. Defaults: with bias; nIn inferred from the input type. */
    public static class Builder extends AbstractCertifiedDense.Builder<Builder> {
        private long nOut;
        private boolean hasBias = true;

        /** Number of outputs. */
        public Builder nOut(long nOut) {
            this.nOut = nOut;
            return this;
        }

        /** Whether to add a bias b (default true; a bias does not change the Lipschitz constant). */
        public Builder hasBias(boolean hasBias) {
            this.hasBias = hasBias;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public AolDense build() {
            DenseLayerSupport.requirePositive(nOut, "nOut", owner());
            return new AolDense(this);
        }
    }
}
