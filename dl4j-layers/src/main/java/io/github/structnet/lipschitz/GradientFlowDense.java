package io.github.structnet.lipschitz;

import io.github.structnet.summary.StepSize;
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

import java.util.HashMap;
import java.util.Map;

/**
 * One explicit Euler step of the gradient flow of a convex potential, a 1-Lipschitz residual block.
 * <pre>
 *   y = x − τ Wᵀ σ(W x + b),    W ∈ ℝ^{h×d},  σ monotone and 1-Lipschitz (ReLU by default)
 *   τ = s · 2 / σ_W² · sigmoid(t),   0 &lt; s ≤ 1 (safetyFraction),  t learnable
 * </pre>
 * With {@code steps(n)} the layer takes n such steps with the same weights: n explicit Euler steps of the gradient
 * flow ẋ = −Wᵀσ(Wx + b) of a convex potential (a continuous-depth layer on [0, nτ]).
 * <b>Guarantee.</b> For 0 ≤ τ ≤ 2/‖W‖₂² the Jacobian I − τ Wᵀ D W (D diagonal, 0 ≤ D ≤ I) has eigenvalues
 * in [1 − τ‖W‖₂², 1] ⊂ [−1, 1], so ‖y(x) − y(x′)‖₂ ≤ ‖x − x′‖₂; for τ &lt; 2/‖W‖₂² the map is also averaged. A
 * composition of n such steps is 1-Lipschitz (and averaged) too.
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
public class GradientFlowDense extends AbstractNormalisedDense
        implements StepSize, DirectPass<GradientFlowDense.Saved> {

    public static final String STEP_KEY = "t";

    private long nHidden;
    private Activation activation;
    private double safetyFraction;
    private int steps = 1;

    /**
     * What {@link #forward} keeps for backprop, per step k: its input xₖ, zₖ only when σ′ cannot be read off aₖ, and
     * aₖ; the step size with its σ (all scratch arrays of the pass's memory).
     */
    record Saved(INDArray[] inputs, INDArray[] z, INDArray[] a, GradientFlowStep step) {
    }

    private GradientFlowDense() {
        // for Jackson
    }

    private GradientFlowDense(Builder b) {
        super(b);
        this.nHidden = b.nHidden;
        this.activation = b.activation;
        this.safetyFraction = b.safetyFraction;
        this.steps = b.steps;
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> p, SDVariable mask) {
        return defineSteps(sd, x, p, WEIGHT_KEY);
    }

    /**
     * The layer's formula on the graph for the parameters {@code p} (keys W, b, t, v), with the placeholder of σ_W
     * named after {@code scalePrefix} ({@link SpectralNormState#define}); what {@link GradientFlowDenseStack} chains.
     */
    SDVariable defineSteps(SameDiff sd, SDVariable x, Map<String, SDVariable> p, String scalePrefix) {
        SDVariable w = p.get(WEIGHT_KEY);
        SDVariable sigma = SpectralNormState.define(sd, scalePrefix, w, p.get(VECTOR_KEY));
        SDVariable tau = sd.nn().sigmoid(p.get(STEP_KEY)).mul(2.0 * safetyFraction)
                .div(sigma.mul(sigma).add(Norms.FLOOR));
        SDVariable y = x;
        for (int k = 0; k < steps; k++) {
            SDVariable pre = sd.mmul(y, w, false, true, false).add(p.get(BIAS_KEY));
            SDVariable act = activation.asSameDiff(sd, pre);
            y = y.sub(act.mmul(w).mul(tau));
        }
        return y;
    }

    /** A scratch array's name for step k (the single-step names for k = 0). */
    private static String name(String base, int k) {
        return k == 0 ? base : base + k;
    }

    /**
     * The same block with hand-written ND4J calls (what the runtime runs): z = x Wᵀ + b, a = σ(z), y = x − τ a W as
     * two products (the first with b and, for ReLU, σ fused in, {@link Gemm#affine}; the second adds x as it writes
     * {@link PassMemory#result}, {@link Gemm#onto}), keeping a (and z, unless σ′ is read off a) in reused scratch
     * arrays for backprop.
     */
    @Override
    public Forward<Saved> forward(Map<String, INDArray> p, INDArray x, boolean training, PassMemory memory) {
        INDArray w = p.get(WEIGHT_KEY);
        GradientFlowStep step = GradientFlowStep.forPass(training, p.get(VECTOR_KEY),
                direction -> Gemm.accumulate(direction, false, w, true, 1.0, 0.0,
                        memory.scratch("image", x.dataType(), 1, nHidden)), () -> certifiedNorm(p), p.get(STEP_KEY),
                safetyFraction, memory);
        long[] hiddenShape = {x.size(0), nHidden};
        boolean keepZ = ActivationPass.needsPreActivation(activation);
        // ReLU is fused into the product (z itself is not needed for its backprop); other activations follow it
        boolean fused = activation == Activation.RELU;
        INDArray[] inputs = new INDArray[steps];
        INDArray[] zs = new INDArray[steps];
        INDArray[] as = new INDArray[steps];
        INDArray current = x;
        for (int k = 0; k < steps; k++) {
            INDArray z = Gemm.affine(current, false, w, true, p.get(BIAS_KEY), fused,
                    memory.scratch(name("z", k), x.dataType(), hiddenShape));
            INDArray a = fused ? z : ActivationPass.activate(activation, z,
                    keepZ ? memory.scratch(name("a", k), x.dataType(), hiddenShape) : z, training);
            INDArray next = k == steps - 1 ? memory.result(x.dataType(), x.shape())
                    : memory.scratch(name("x", k + 1), x.dataType(), x.shape());
            inputs[k] = current;
            zs[k] = keepZ ? z : null;
            as[k] = a;
            current = Gemm.onto(a, false, w, false, -step.tau(), current, next);
        }
        return new Forward<>(x, current, new Saved(inputs, zs, as, step));
    }

    /**
     * The vector–Jacobian product of {@link #forward}, four BLAS products: ∂/∂a = −τ ε Wᵀ, ∂/∂x = ε + ∂z W,
     * ∂/∂W = ∂zᵀ x − τ aᵀ ε (accumulated in the gradient array) plus the rank-one term of σ = ‖W v̂‖, and ∂/∂t
     * through τ.
     */
    @Override
    public Backward backward(Map<String, INDArray> p, Forward<Saved> f, INDArray epsilon, PassMemory memory) {
        INDArray w = p.get(WEIGHT_KEY);
        INDArray x = f.input();
        Saved saved = f.saved();
        GradientFlowStep step = saved.step();
        double sigma = step.sigma();
        double tau = step.tau();
        INDArray gradW = memory.gradient(WEIGHT_KEY);
        INDArray gradB = memory.gradient(BIAS_KEY);
        double gradTau = 0;
        INDArray g = epsilon;                                                        // ∂ℓ/∂ of step k's output
        for (int k = steps - 1; k >= 0; k--) {
            INDArray a = saved.a()[k];
            INDArray gradZ = Gemm.accumulate(g, false, w, true, 1.0, 0.0,
                    memory.scratch("gradZ", a.dataType(), a.shape()));             // g Wᵀ, [mb, h]
            gradTau -= Vectors.dot(gradZ, a);                                        // −⟨g, a W⟩
            // δ = σ′(z) ⊙ g Wᵀ; the gradient at z is −τ δ, the −τ going into the products' α
            INDArray delta = ActivationPass.backprop(activation, saved.z()[k], a, gradZ,
                    memory.scratch("work", a.dataType(), a.shape()));
            double first = k == steps - 1 ? 0.0 : 1.0;
            Gemm.accumulate(delta, true, saved.inputs()[k], false, -tau, first, gradW);
            Gemm.accumulate(a, true, g, false, -tau, 1.0, gradW);
            if (k == steps - 1) {
                Sums.columns(delta, -tau, gradB);
            } else {
                gradB.addi(Sums.columns(delta, -tau, memory.scratch("biasStep", gradB.dataType(), gradB.shape())));
            }
            INDArray out = k == 0 ? memory.result(x.dataType(), x.shape())
                    : memory.scratch(k % 2 == 0 ? "gradEven" : "gradOdd", x.dataType(), x.shape());
            g = Gemm.onto(delta, false, w, false, -tau, g, out);
        }
        double gradSigma = step.gradientOfSigma(gradTau);
        if (gradSigma != 0 && sigma > 0) {
            // ∂‖W v̂‖/∂W = (W v̂) v̂ᵀ / σ
            Gemm.accumulate(step.image(), true, step.direction(), false, gradSigma / sigma, 1.0, gradW);
        }
        Map<String, INDArray> grads = new HashMap<>();
        grads.put(WEIGHT_KEY, gradW);
        grads.put(BIAS_KEY, gradB);
        grads.put(STEP_KEY, memory.scalarGradient(STEP_KEY, step.gradientOfT(gradTau)));
        return new Backward(grads, g);
    }

    /**
     * max(1, τ B(W)² − 1)ⁿ (n steps) with τ = 2s·sigmoid(t)/(B(W)² + floor) as at inference and B(W) ≥ ‖W‖₂ the
     * Gram-iteration bound of the given W ({@link GradientFlowStep#lipschitzBound}): 1 whenever s ≤ 1.
     */
    @Override
    public double lipschitzBound(Map<String, INDArray> params) {
        double bound = certifiedNorm(params);
        return Math.pow(GradientFlowStep.of(bound, params.get(STEP_KEY), safetyFraction).lipschitzBound(bound), steps);
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

    /** τ = 2s·sigmoid(t)/(B² + floor) with B the certified operator-norm bound, as at inference. */
    @Override
    public double stepSize(Map<String, INDArray> params) {
        return GradientFlowStep.of(certifiedNorm(params), params.get(STEP_KEY), safetyFraction).tau();
    }

    /** Builder in DL4J style. Defaults: ReLU, safetyFraction 1, 1 power iteration per step, 50 at initialisation. */
    public static class Builder extends AbstractNormalisedDense.Builder<Builder> {
        private long nHidden;
        private Activation activation = Activation.RELU;
        private double safetyFraction = 1.0;
        private int steps = 1;

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

        /**
         * Number n of weight-tied steps (1 by default): the layer is n explicit Euler steps of the gradient flow
         * ẋ = −Wᵀσ(Wx + b), each non-expansive.
         */
        public Builder steps(int steps) {
            this.steps = steps;
            return this;
        }

        /**
         * {@code blocks} blocks with these settings, each with its own weights, as one layer
         * ({@link GradientFlowDenseStack}); the layer's name, updater, regularisation and weight initialisation are
         * the stack's.
         */
        public GradientFlowDenseStack buildStack(int blocks) {
            GradientFlowDense block = build();
            if (blocks < 1) {
                throw new IllegalArgumentException(owner() + ": a stack needs blocks >= 1; got " + blocks);
            }
            return new GradientFlowDenseStack(block, this, blocks);
        }

        @Override
        @SuppressWarnings("unchecked")
        public GradientFlowDense build() {
            validate();
            if (steps < 1) {
                throw new IllegalArgumentException(owner() + ": steps must be >= 1; got " + steps);
            }
            DenseLayerSupport.requirePositive(nHidden, "nHidden", owner());
            MonotoneActivations.require(activation, owner());
            requireSafetyFraction(safetyFraction);
            return new GradientFlowDense(this);
        }
    }
}
