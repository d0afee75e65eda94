package io.github.structnet.lipschitz;

import io.github.structnet.kernels.ActivationPass;
import io.github.structnet.kernels.Gemm;
import io.github.structnet.kernels.Sums;
import io.github.structnet.kernels.Vectors;
import io.github.structnet.samediff.DirectPass;
import io.github.structnet.samediff.PassMemory;
import io.github.structnet.spectral.SpectralNormState;
import lombok.Data;
import lombok.EqualsAndHashCode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.HashMap;
import java.util.Map;

/**
 * One explicit Euler step of the gradient flow of a convex potential, a 1-Lipschitz residual block.
 * <pre>
 *   y = x − τ Wᵀ σ(W x + b),    W ∈ ℝ^{h×d},  σ monotone and 1-Lipschitz (ReLU by default)
 *   τ = s · 2 / σ_W² · sigmoid(t),   0 &lt; s ≤ 1 (safetyFraction),  t learnable
 * </pre>
 * <b>Guarantee.</b> For 0 ≤ τ ≤ 2/‖W‖₂² the Jacobian I − τ Wᵀ D W (D diagonal, 0 ≤ D ≤ I) has eigenvalues
 * in [1 − τ‖W‖₂², 1] ⊂ [−1, 1], so ‖y(x) − y(x′)‖₂ ≤ ‖x − x′‖₂; for τ &lt; 2/‖W‖₂² the map is also averaged.
 * At inference σ_W is the Gram-iteration bound B(W) ≥ ‖W‖₂ ({@link SpectralNormState}), so the guarantee
 * holds for the weights the layer runs with. While training σ_W is the power-iteration estimate ‖W v‖₂
 * ({@code powerIterations} steps per iteration), which may be slightly below ‖W‖₂.
 * <p>Shapes: input [mb, nIn], W [nHidden, nIn], b [1, nHidden], output [mb, nIn].
 * Parameters: {@value #WEIGHT_KEY}, {@value #BIAS_KEY}, {@value #STEP_KEY} (t), and the state
 * {@value #VECTOR_KEY} (power-iteration vector, saved with the model, never trained).
 *
 * @see <a href="https://arxiv.org/abs/2110.12690">Meunier, Delattre, Araujo, Allauzen 2022, A dynamical system
 * perspective for Lipschitz neural networks (Convex Potential Layers)</a>
 * @see <a href="https://arxiv.org/abs/2306.17332">Sherry, Celledoni, Ehrhardt, Murari, Owren, Schönlieb 2023,
 * Designing stable neural networks using convex analysis and ODEs</a>
 */
@Data
@EqualsAndHashCode(callSuper = true)
public class GradientFlowDense extends AbstractNormalisedDense implements DirectPass {

    public static final String STEP_KEY = "t";
    /** Added to σ_W² so that W = 0 gives τ finite (it only lowers τ). */
    static final double NORM_FLOOR = 1e-12;
    /** Scratch name of the stacked factor [δ; a; r] of the weight gradient, [2·mb + 1, h]. */
    private static final String FACTORS = "factors";

    private long nHidden;
    private Activation activation;
    private double safetyFraction;

    private GradientFlowDense() {
        // for Jackson
    }

    private GradientFlowDense(Builder b) {
        super(b);
        this.nHidden = b.nHidden;
        this.activation = b.activation;
        this.safetyFraction = b.safetyFraction;
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> p, SDVariable mask) {
        SDVariable w = p.get(WEIGHT_KEY);
        SDVariable sigma = spectralNorm(sd, p);
        SDVariable tau = sd.nn().sigmoid(p.get(STEP_KEY)).mul(2.0 * safetyFraction)
                .div(sigma.mul(sigma).add(NORM_FLOOR));
        SDVariable pre = sd.mmul(x, w, false, true, false).add(p.get(BIAS_KEY));
        SDVariable act = activation.asSameDiff(sd, pre);
        return x.sub(act.mmul(w).mul(tau));
    }

    /**
     * The same block with hand-written ND4J calls (what the runtime runs): z = x Wᵀ + b, a = σ(z), y = x − τ a W as
     * two products (the first with b and, for ReLU, σ fused in, {@link Gemm#affine}; the second accumulates into a
     * copy of x in {@link PassMemory#result}), keeping a (and z, unless σ′ is read off a) in reused scratch arrays for
     * backprop. A training pass writes a into the middle rows of the stacked factor of the weight gradient
     * ({@link #backward}).
     */
    @Override
    public Forward forward(Map<String, INDArray> p, INDArray x, boolean training, PassMemory memory) {
        INDArray w = p.get(WEIGHT_KEY);
        INDArray v = p.get(VECTOR_KEY);
        // training: σ = ‖W v̂‖ from the power-iteration vector (differentiated); inference: σ = the certified bound
        // B ≥ ‖W‖, which alone makes τ = 2s·sigmoid(t)/B² non-expansive (the estimate ≤ ‖W‖ ≤ B adds nothing)
        INDArray direction = null;
        INDArray image = null;
        double sigma;
        if (training) {
            direction = v.div(Vectors.norm2(v));
            image = Gemm.product(direction, false, w, true);
            sigma = Vectors.norm2(image);
        } else {
            sigma = certifiedNorm(p);
        }
        GradientFlowStep step = GradientFlowStep.of(sigma, p.get(STEP_KEY), safetyFraction);
        long batch = x.size(0);
        long[] hiddenShape = {batch, nHidden};
        boolean keepZ = ActivationPass.needsPreActivation(activation);
        INDArray factors = training ? memory.scratch(FACTORS, x.dataType(), 2 * batch + 1, nHidden) : null;
        INDArray target = training ? rows(factors, batch, 2 * batch)
                : keepZ ? memory.scratch("a", x.dataType(), hiddenShape) : null;
        INDArray z;
        INDArray a;
        if (activation == Activation.RELU) {
            // ReLU fused into the product: its backprop reads a alone
            z = Gemm.affine(x, false, w, true, p.get(BIAS_KEY), true,
                    target != null ? target : memory.scratch("z", x.dataType(), hiddenShape));
            a = z;
        } else {
            z = Gemm.affine(x, false, w, true, p.get(BIAS_KEY), false, memory.scratch("z", x.dataType(), hiddenShape));
            a = ActivationPass.activate(activation, z, target != null ? target : z, training);
        }
        INDArray out = Gemm.accumulate(a, false, w, false, -step.tau(), 1.0,
                Vectors.copy(x, memory.result(x.dataType(), x.shape())));
        Map<String, Object> saved = new HashMap<>();
        if (keepZ) {
            saved.put("z", z);
        }
        saved.put("a", a);
        if (training) {
            saved.put("direction", direction);
            saved.put("image", image);
            saved.put(FACTORS, factors);
        }
        saved.put("step", step);
        return new Forward(x, out, saved);
    }

    /**
     * The vector–Jacobian product of {@link #forward} in three products: ∂/∂a = −τ ε Wᵀ, ∂/∂x = ε + ∂z W, and
     * ∂/∂W = ∂zᵀ x − τ aᵀ ε + (∂ℓ/∂σ / σ) (W v̂) v̂ᵀ (the last term from σ = ‖W v̂‖) as one product of depth 2·mb + 1,
     * −τ [δ; a; r]ᵀ [x; ε; v̂] with δ = σ′(z) ⊙ ε Wᵀ and r = (∂ℓ/∂σ / σ) W v̂ / (−τ): at width 1024 that takes 3.4–3.6
     * ms where two products and a rank-one update took 3.9–4.5 ms; and ∂/∂t through τ.
     */
    @Override
    public Backward backward(Map<String, INDArray> p, Forward f, INDArray epsilon, PassMemory memory) {
        INDArray w = p.get(WEIGHT_KEY);
        INDArray x = f.input();
        INDArray a = (INDArray) f.saved().get("a");
        INDArray factors = (INDArray) f.saved().get(FACTORS);
        if (factors == null) {
            throw new IllegalStateException(describe() + ": backprop needs the training-mode forward pass of its input");
        }
        GradientFlowStep step = (GradientFlowStep) f.saved().get("step");
        double sigma = step.sigma();
        double tau = step.tau();
        long batch = x.size(0);

        INDArray gradZ = Gemm.accumulate(epsilon, false, w, true, 1.0, 0.0, rows(factors, 0, batch)); // ε Wᵀ
        double gradTau = -Vectors.dot(gradZ, a);                                     // −⟨ε, a W⟩
        // δ = σ′(z) ⊙ ε Wᵀ; the gradient at z is −τ δ, the −τ going into the products' α
        INDArray delta = ActivationPass.backprop(activation, (INDArray) f.saved().get("z"), a, gradZ,
                memory.scratch("work", a.dataType(), a.shape()));
        INDArray gradX = Gemm.accumulate(delta, false, w, false, -tau, 1.0,
                Vectors.copy(epsilon, memory.result(x.dataType(), x.shape())));
        double gradSigma = step.gradientOfSigma(gradTau);
        boolean rankOne = gradSigma != 0 && sigma > 0;                               // ∂‖W v̂‖/∂W = (W v̂) v̂ᵀ / σ
        INDArray image = (INDArray) f.saved().get("image");
        INDArray direction = (INDArray) f.saved().get("direction");
        INDArray gradW = memory.gradient(WEIGHT_KEY);
        if (tau != 0) {
            long depth = rankOne ? 2 * batch + 1 : 2 * batch;
            INDArray inputs = memory.scratch("inputs", x.dataType(), 2 * batch + 1, nIn);
            Vectors.copy(x, rows(inputs, 0, batch));
            Vectors.copy(epsilon, rows(inputs, batch, 2 * batch));
            if (rankOne) {
                Vectors.copy(direction, rows(inputs, 2 * batch, depth));
                Vectors.copy(image, rows(factors, 2 * batch, depth)).muli(gradSigma / sigma / -tau);
            }
            Gemm.accumulate(rows(factors, 0, depth), true, rows(inputs, 0, depth), false, -tau, 0.0, gradW);
        } else {
            gradW.assign(0);
            if (rankOne) {
                Gemm.accumulate(image, true, direction, false, gradSigma / sigma, 1.0, gradW);
            }
        }
        Map<String, INDArray> grads = new HashMap<>();
        grads.put(WEIGHT_KEY, gradW);
        grads.put(BIAS_KEY, Sums.columns(delta, -tau, memory.gradient(BIAS_KEY)));
        grads.put(STEP_KEY, memory.gradient(STEP_KEY).assign(step.gradientOfT(gradTau)));
        return new Backward(grads, gradX);
    }

    /** Rows [from, to) of a c-order matrix, a contiguous view (the matrix itself when that is all of it). */
    private static INDArray rows(INDArray m, long from, long to) {
        return from == 0 && to == m.rows() ? m : m.get(NDArrayIndex.interval(from, to), NDArrayIndex.all());
    }

    @Override
    protected long weightRows() {
        return nHidden;
    }

    @Override
    protected void defineOtherParameters(SDLayerParams params) {
        params.addBiasParam(BIAS_KEY, 1, nHidden);
        params.addBiasParam(STEP_KEY, 1, 1);
    }

    @Override
    protected void initializeOtherParameters(Map<String, INDArray> params) {
        params.get(BIAS_KEY).assign(0);
        params.get(STEP_KEY).assign(0);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        DenseLayerSupport.featuresOf(inputType, describe());
        return InputType.feedForward(nIn);
    }

    /** Builder in DL4J style. Defaults: ReLU, safetyFraction 1, 1 power iteration per step, 50 at initialisation. */
    public static class Builder extends AbstractNormalisedDense.Builder<Builder> {
        private long nHidden;
        private Activation activation = Activation.RELU;
        private double safetyFraction = 1.0;

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

        /** Fraction s ∈ (0, 1] of the largest non-expansive step 2/‖W‖₂². */
        public Builder safetyFraction(double safetyFraction) {
            this.safetyFraction = safetyFraction;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public GradientFlowDense build() {
            validate();
            DenseLayerSupport.requirePositive(nHidden, "nHidden", owner());
            MonotoneActivations.require(activation, owner());
            requireSafetyFraction(safetyFraction);
            return new GradientFlowDense(this);
        }
    }
}
