package io.github.structnet.lipschitz;

import io.github.structnet.kernels.ActivationPass;
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
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.HashMap;
import java.util.Map;

/**
 * An SDP-based Lipschitz layer (SLL): a residual block whose diagonal rescaling is derived from W itself, with no power
 * iteration and no state.
 * <pre>
 *   y = x − 2 Wᵀ T⁻¹ σ(W x + b),    W ∈ ℝ^{h×d},  σ monotone and 1-Lipschitz (ReLU by default)
 *   T = diag(tᵢ) + floor,   tᵢ = Σⱼ |(W Wᵀ)ᵢⱼ| qⱼ / qᵢ,   q = exp(ℓ) &gt; 0 learnable
 * </pre>
 * <b>Guarantee.</b> With P = W Wᵀ and Q = diag(q), Q (T − P) Q is symmetric with non-negative diagonal
 * qᵢ Σ_{j≠i} |Pᵢⱼ| qⱼ equal to the absolute sum of its row's other entries, so T ⪰ P and W̃ = T^{-1/2} W has
 * ‖W̃‖₂ ≤ 1. Written with W̃ the block is x − 2 W̃ᵀ σ̃(W̃ x + b̃) with σ̃ᵢ(v) = tᵢ^{-1/2} σ(tᵢ^{1/2} v + bᵢ) again
 * monotone and 1-Lipschitz, so its Jacobian I − 2 W̃ᵀ D W̃ (0 ≤ D ≤ I) has eigenvalues in [1 − 2‖W̃‖₂², 1] and
 * ‖y(x) − y(x′)‖₂ ≤ ‖x − x′‖₂. T is part of the formula, the same in training and at inference, so the guarantee
 * holds for the weights the layer trains with too. {@link #lipschitzBound} does not assume it: it returns
 * max(1, 2 B(W̃)² − 1) with B the Gram-iteration bound of the W̃ the layer computes. {@link GradientFlowDense} is the
 * special case T = ‖W‖₂² I (step τ = 2/‖W‖₂²).
 * <p>Shapes: input [mb, nIn], W [nHidden, nIn], b [1, nHidden], ℓ [1, nHidden], output [mb, nIn]. Parameters:
 * {@value #WEIGHT_KEY}, {@value #BIAS_KEY}, {@value #SCALE_KEY} (ℓ = log q).
 *
 * @see <a href="https://arxiv.org/abs/2303.03169">Araujo, Havens, Delattre, Allauzen, Hu 2023, A unified algebraic
 * perspective on Lipschitz neural networks</a>
 */
@Data
@EqualsAndHashCode(callSuper = true)
public class SllDense extends AbstractCertifiedDense implements DirectPass<SllDense.Saved> {

    public static final String WEIGHT_KEY = "W";
    public static final String BIAS_KEY = "b";
    public static final String SCALE_KEY = "logq";

    private long nHidden;
    private Activation activation;

    /** The rescaling of one pass: sign(W Wᵀ) and |W Wᵀ| [h, h], and q, t, r from them. */
    record Rescaling(INDArray gramSigns, INDArray gramAbs, SllScaling scaling) {
    }

    /** What {@link #forward} keeps for backprop: the rescaling, z (only when σ′ needs it) and a = σ(z). */
    record Saved(Rescaling rescaling, INDArray z, INDArray a) {
    }

    private SllDense() {
        // for Jackson
    }

    private SllDense(Builder b) {
        super(b);
        this.nHidden = b.nHidden;
        this.activation = b.activation;
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> p, SDVariable mask) {
        SDVariable w = p.get(WEIGHT_KEY);
        SDVariable logQ = p.get(SCALE_KEY);
        SDVariable gramAbs = sd.math().abs(sd.mmul(w, w, false, true, false));
        SDVariable t = sd.mmul(sd.math().exp(logQ), gramAbs).mul(sd.math().exp(logQ.neg()));
        SDVariable r = t.add(Norms.FLOOR).rdiv(2.0);
        SDVariable a = activation.asSameDiff(sd, sd.mmul(x, w, false, true, false).add(p.get(BIAS_KEY)));
        return x.sub(a.mul(r).mmul(w));
    }

    /**
     * The same block with hand-written ND4J calls (what the runtime runs): the rescaling from W and ℓ, z = x Wᵀ + b,
     * a = σ(z), y = x − (a ⊙ r) W.
     */
    @Override
    public Forward<Saved> forward(Map<String, INDArray> p, INDArray x, boolean training, PassMemory memory) {
        INDArray w = p.get(WEIGHT_KEY);
        Rescaling rescaling = rescale(w, p.get(SCALE_KEY), memory.scratch("gramAbs", w.dataType(), nHidden, nHidden),
                memory.scratch("signs", w.dataType(), nHidden, nHidden), memory.scratch("t", w.dataType(), 1, nHidden));
        long[] hiddenShape = {x.size(0), nHidden};
        boolean keepZ = ActivationPass.needsPreActivation(activation);
        boolean fused = activation == Activation.RELU;
        INDArray z = Gemm.affine(x, false, w, true, p.get(BIAS_KEY), fused,
                memory.scratch("z", x.dataType(), hiddenShape));
        INDArray a = fused ? z : ActivationPass.activate(activation, z,
                keepZ ? memory.scratch("a", x.dataType(), hiddenShape) : z, training);
        INDArray scaled = memory.scratch("scaled", x.dataType(), hiddenShape).assign(a)
                .muliRowVector(rescaling.scaling().r());
        INDArray out = Gemm.onto(scaled, false, w, false, -1.0, x, memory.result(x.dataType(), x.shape()));
        return new Forward<>(x, out, new Saved(rescaling, keepZ ? z : null, a));
    }

    /**
     * q, |W Wᵀ|, its signs, t and r, written into the given arrays where given (the forward pass and the certificate
     * compute the same T this way).
     */
    private static Rescaling rescale(INDArray w, INDArray logQ, INDArray gramAbs, INDArray signs, INDArray t) {
        Gemm.accumulate(w, false, w, true, 1.0, 0.0, gramAbs);
        Transforms.sign(signs.assign(gramAbs), false);
        Transforms.abs(gramAbs, false);
        return new Rescaling(signs, gramAbs, SllScaling.of(gramAbs, logQ, t));
    }

    /**
     * The vector–Jacobian product of {@link #forward}. With u = a ⊙ r: ∂/∂u = −ε Wᵀ, ∂/∂W = −uᵀε + δᵀx + (G + Gᵀ) W,
     * δ = σ′(z) ⊙ r ⊙ ∂/∂u, ∂/∂x = ε + δ W, ∂/∂b = Σ δ; through r = 2/(t + floor): ∂/∂t = −r²/2 ⊙ Σ(∂/∂u ⊙ a);
     * with g = ∂/∂t ⊘ q: G = (g qᵀ) ⊙ sign(W Wᵀ) and ∂/∂ℓ = q ⊙ (g |W Wᵀ| − g ⊙ t).
     */
    @Override
    public Backward backward(Map<String, INDArray> p, Forward<Saved> f, INDArray epsilon, PassMemory memory) {
        INDArray w = p.get(WEIGHT_KEY);
        INDArray x = f.input();
        Saved saved = f.saved();
        Rescaling rescaling = saved.rescaling();
        SllScaling s = rescaling.scaling();
        INDArray a = saved.a();
        INDArray gradU = Gemm.accumulate(epsilon, false, w, true, -1.0, 0.0,
                memory.scratch("gradU", a.dataType(), a.shape()));                      // −ε Wᵀ
        INDArray work = memory.scratch("work", a.dataType(), a.shape());
        INDArray gradR = Sums.columns(work.assign(gradU).muli(a), memory.scratch("gradR", a.dataType(), 1, nHidden));
        INDArray g = s.tGradientOverQ(gradR);
        INDArray gradW = memory.gradient(WEIGHT_KEY);
        Gemm.accumulate(work.assign(a).muliRowVector(s.r()), true, epsilon, false, -1.0, 0.0, gradW);   // −uᵀ ε
        INDArray delta = ActivationPass.backprop(activation, saved.z(), a, gradU.muliRowVector(s.r()), work);
        Gemm.accumulate(delta, true, x, false, 1.0, 1.0, gradW);                      // + δᵀ x
        INDArray gram = Gemm.accumulate(g, true, s.q(), false, 1.0, 0.0,
                memory.scratch("gramGrad", w.dataType(), nHidden, nHidden)).muli(rescaling.gramSigns());
        INDArray symmetric = memory.scratch("gramSymmetric", w.dataType(), nHidden, nHidden).assign(gram.transpose());
        Gemm.accumulate(symmetric.addi(gram), false, w, false, 1.0, 1.0, gradW);     // + (G + Gᵀ) W
        INDArray gradLogQ = s.logScaleGradient(g, rescaling.gramAbs(), memory.gradient(SCALE_KEY));
        INDArray gradX = Gemm.onto(delta, false, w, false, 1.0, epsilon, memory.result(x.dataType(), x.shape()));
        Map<String, INDArray> grads = new HashMap<>();
        grads.put(WEIGHT_KEY, gradW);
        grads.put(BIAS_KEY, Sums.columns(delta, memory.gradient(BIAS_KEY)));
        grads.put(SCALE_KEY, gradLogQ);
        return new Backward(grads, gradX);
    }

    /**
     * max(1, 2 B(W̃)² − 1) with W̃ = (T + floor)^{-1/2} W as the layer computes T from the given W and ℓ, and B the
     * Gram-iteration bound: 1 whenever B(W̃) ≤ 1, which the construction of T guarantees up to rounding. Cached per
     * bit-exact W and ℓ.
     */
    @Override
    public double lipschitzBound(Map<String, INDArray> params) {
        INDArray w = params.get(WEIGHT_KEY);
        INDArray logQ = params.get(SCALE_KEY);
        INDArray key = Nd4j.concat(1, w.reshape(1, w.length()), logQ.reshape(1, logQ.length()));
        return cachedBound(key, "sll", () -> {
            Rescaling s = rescale(w, logQ, Nd4j.createUninitialized(w.dataType(), w.rows(), w.rows()),
                    Nd4j.createUninitialized(w.dataType(), w.rows(), w.rows()),
                    Nd4j.createUninitialized(w.dataType(), 1, w.rows()));
            INDArray inverseRoot = Transforms.sqrt(s.scaling().r().mul(0.5), false);           // (t + floor)^{-1/2}
            double norm = GramIteration.upperBound(w.mulColumnVector(inverseRoot.reshape(w.rows(), 1)));
            return Math.max(1.0, 2.0 * norm * norm - 1.0);
        });
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        requireInputSize();
        params.addWeightParam(WEIGHT_KEY, nHidden, nIn);
        params.addBiasParam(BIAS_KEY, 1, nHidden);
        params.addBiasParam(SCALE_KEY, 1, nHidden);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        initWeights((int) nIn, (int) nHidden, getWeightInit(), params.get(WEIGHT_KEY));
        params.get(BIAS_KEY).assign(0);
        params.get(SCALE_KEY).assign(0);
    }

    @Override
    protected long outputSize() {
        return nIn;
    }

    /** Builder in DL4J style. Defaults: ReLU; nIn inferred from the input type. */
    public static class Builder extends AbstractCertifiedDense.Builder<Builder> {
        private long nHidden;
        private Activation activation = Activation.RELU;

        /** Hidden width h, the number of rows of W; free, need not equal nIn. */
        public Builder nHidden(long nHidden) {
            this.nHidden = nHidden;
            return this;
        }

        /** A monotone 1-Lipschitz activation ({@link MonotoneActivations#ALLOWED}); ReLU by default. */
        public Builder activation(Activation activation) {
            this.activation = activation;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public SllDense build() {
            DenseLayerSupport.requirePositive(nHidden, "nHidden", owner());
            MonotoneActivations.require(activation, owner());
            return new SllDense(this);
        }
    }
}
