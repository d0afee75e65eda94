package io.github.structnet.lipschitz;

import io.github.structnet.summary.StepSize;
import io.github.structnet.kernels.Vectors;
import io.github.structnet.samediff.DirectPass;
import io.github.structnet.samediff.PassMemory;
import io.github.structnet.kernels.Release;
import io.github.structnet.kernels.Convolutions;
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
 * One explicit Euler step of the gradient flow of a convex potential, with convolutions: a 1-Lipschitz
 * convolutional residual block.
 * <pre>
 *   y = x − τ Kᵀ σ(K x + b),    K: C → C′ channels, k×k, stride 1, "same" zero padding (C′ free)
 *   τ = s · 2 / σ_K² · sigmoid(t),   0 &lt; s ≤ 1 (safetyFraction),  t learnable
 * </pre>
 * Kᵀ is the exact adjoint of K, computed as the convolution with the flipped, channel-swapped kernel
 * ({@link Convolutions#adjoint}); σ_K is the operator norm of K <i>on the layer's input size H×W</i>, not the norm
 * of the reshaped kernel.
 * <p><b>Guarantee.</b> The Jacobian I − τ Kᵀ D K (D diagonal, 0 ≤ D ≤ I) has eigenvalues in [1 − τ‖K‖₂², 1], so for
 * 0 ≤ τ ≤ 2/‖K‖₂² the block is 1-Lipschitz in ℓ2 over the whole C×H×W input, and averaged for τ &lt; 2/‖K‖₂². At
 * inference σ_K is the sound Fourier bound B(K) ≥ ‖K‖₂ on H×W, so the guarantee holds for the weights the layer
 * runs with (after training, reload, {@code setParams}). While training σ_K is the power-iteration estimate.
 * <p>Shapes: input/output [mb, C, H, W], or [mb, H, W, C] when the input type is NHWC (the layout is taken from it);
 * K [k, k, C, C′], b [C′], t [1, 1]; state {@value #VECTOR_KEY} [1, C, H, W] in either layout (power-iteration
 * vector, saved with the model, never trained). In float on the CPU backend the convolutions run on oneDNN directly
 * ({@link io.github.structnet.kernels.DirectConvolution}: Winograd, with ReLU fused into K x + b), in both layouts.
 *
 * @see <a href="https://arxiv.org/abs/2110.12690">Meunier et al. 2022, A dynamical system perspective for
 * Lipschitz neural networks (Convex Potential Layers)</a>
 * @see <a href="https://arxiv.org/abs/2306.17332">Sherry et al. 2023, Designing stable neural networks using convex
 * analysis and ODEs</a>
 */
@Data
@EqualsAndHashCode(callSuper = true)
public class GradientFlowConv2D extends AbstractNormalisedConv2D
        implements StepSize, DirectPass<GradientFlowConv2D.Saved> {

    public static final String STEP_KEY = "t";

    private long hiddenChannels;
    private Activation activation;
    private double safetyFraction;

    /** What {@link #forward} keeps for backprop: z only when σ′ cannot be read off a; M = −τK̃; the step with its σ. */
    record Saved(INDArray z, INDArray a, INDArray adjointKernel, GradientFlowStep step) {
    }

    private GradientFlowConv2D() {
        // for Jackson
    }

    private GradientFlowConv2D(Builder b) {
        super(b);
        this.hiddenChannels = b.hiddenChannels;
        this.activation = b.activation;
        this.safetyFraction = b.safetyFraction;
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> p, SDVariable mask) {
        SDVariable kernel = p.get(KERNEL_KEY);
        SDVariable sigma = operatorNorm(sd, p);
        SDVariable tau = sd.nn().sigmoid(p.get(STEP_KEY)).mul(2.0 * safetyFraction)
                .mul(sigma.mul(sigma).add(Norms.FLOOR).rdiv(1.0));
        SDVariable pre = Convolutions.apply(sd, x, kernel, p.get(BIAS_KEY), kernelSize, 1, dataFormat);
        SDVariable act = activation.asSameDiff(sd, pre);
        // τ Kᵀ a as the convolution of a with τ·K̃: scaling the small kernel, not the activation, saves a
        // broadcast multiply whose gradient costs more than a convolution
        SDVariable scaledAdjointKernel = Convolutions.flipped(sd, kernel).mul(tau.reshape(1, 1, 1, 1));
        return x.sub(sd.cnn().conv2d(act, scaledAdjointKernel, Convolutions.config(kernelSize, 1, dataFormat)));
    }

    /**
     * The same block with hand-written ND4J calls (what the runtime runs): z = Kx + b, a = σ(z),
     * y = x + conv(a, M) with M = −τK̃, keeping a, M (and z, unless σ′ is read off a) for backprop. z and a live in
     * reused scratch arrays (one array when σ is applied in place), y in {@link PassMemory#result}.
     */
    @Override
    public Forward<Saved> forward(Map<String, INDArray> p, INDArray x, boolean training, PassMemory memory) {
        INDArray kernel = p.get(KERNEL_KEY);
        GradientFlowStep step = GradientFlowStep.forPass(training, p.get(VECTOR_KEY),
                direction -> Convolutions.apply(direction, kernel, 1), () -> certifiedNorm(p), p.get(STEP_KEY),
                safetyFraction, memory);
        ActivatedConvolution activated = ActivatedConvolution.of(x, kernel, p.get(BIAS_KEY), activation, dataFormat,
                shapeOf(x.size(0), hiddenChannels, height, width), training, memory);
        INDArray a = activated.a();
        INDArray adjointKernel = Convolutions.flipped(kernel, -step.tau(),
                memory.scratch("adjointKernel", x.dataType(), Convolutions.flippedShape(kernel)));
        INDArray out = Convolutions.apply(a, adjointKernel, null, 1, dataFormat, memory.result(x.dataType(), x.shape()))
                .addi(x);
        return new Forward<>(x, out, new Saved(activated.z(), a, adjointKernel, step));
    }

    /**
     * The vector–Jacobian product of {@link #forward}: with ε the output gradient, one conv2d_bp through the adjoint
     * convolution gives ∂/∂a and ∂/∂M; one through K gives ∂/∂x, ∂/∂K and ∂/∂b (written straight into the
     * gradient arrays of {@link PassMemory}); τ's dependence on t and on σ = ‖K v̂‖ adds ∂τ/∂t and a rank-one term in
     * K.
     */
    @Override
    public Backward backward(Map<String, INDArray> p, Forward<Saved> f, INDArray epsilon, PassMemory memory) {
        INDArray kernel = p.get(KERNEL_KEY);
        INDArray x = f.input();
        Saved saved = f.saved();
        INDArray adjointKernel = saved.adjointKernel();
        GradientFlowStep step = saved.step();
        double sigma = step.sigma();
        double tau = step.tau();

        // y = x + conv(a, M), M = −τ K̃
        ActivatedConvolution.Gradients first = ActivatedConvolution.backward(p, KERNEL_KEY, BIAS_KEY, x, saved.z(),
                saved.a(), adjointKernel, epsilon, activation, dataFormat, memory);
        INDArray gradM = first.adjointKernel();
        INDArray gradKernel = first.kernel();

        Convolutions.addFlipped(gradM, -tau, gradKernel); // K̃ ↦ K is an involution
        double gradTau = Vectors.dot(gradM, adjointKernel) / tau;
        double gradSigma = step.gradientOfSigma(gradTau);
        if (gradSigma != 0 && sigma > 0) {
            // σ = ‖K v̂‖: ∂σ/∂K = ∂⟨K v̂, K v̂/σ⟩/∂K / 2 … = the weight gradient of K at input v̂, output gradient K v̂
            // / σ
            INDArray unitImage = step.image().div(sigma);
            INDArray[] rankOne = Convolutions.backward(step.direction(), kernel, null, unitImage, 1);
            gradKernel.addi(rankOne[1].muli(gradSigma));
            Release.all(unitImage);
            Release.all(rankOne);
        }
        Map<String, INDArray> grads = new HashMap<>();
        grads.put(KERNEL_KEY, gradKernel);
        grads.put(BIAS_KEY, first.bias());
        grads.put(STEP_KEY, memory.scalarGradient(STEP_KEY, step.gradientOfT(gradTau)));
        return new Backward(grads, first.input());
    }

    /**
     * max(1, τ B(K)² − 1) with τ = 2s·sigmoid(t)/(B(K)² + floor) as at inference and B(K) ≥ ‖K‖₂ the Fourier bound
     * of the given K on H×W ({@link GradientFlowStep#lipschitzBound}): 1 whenever s ≤ 1.
     */
    @Override
    public double lipschitzBound(Map<String, INDArray> params) {
        double bound = certifiedNorm(params);
        return GradientFlowStep.of(bound, params.get(STEP_KEY), safetyFraction).lipschitzBound(bound);
    }

    @Override
    protected long kernelOutChannels() {
        return hiddenChannels;
    }

    @Override
    protected int stride() {
        return 1;
    }

    @Override
    protected void defineOtherParameters(SDLayerParams params) {
        params.addBiasParam(BIAS_KEY, hiddenChannels);
        params.addBiasParam(STEP_KEY, 1, 1);
    }

    @Override
    protected void initializeOtherParameters(Map<String, INDArray> params) {
        params.get(BIAS_KEY).assign(0);
        params.get(STEP_KEY).assign(0);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        InputType.InputTypeConvolutional c = convolutional(inputType);
        return InputType.convolutional(c.getHeight(), c.getWidth(), c.getChannels(), c.getFormat());
    }

    /** τ = 2s·sigmoid(t)/(B² + floor) with B the certified operator-norm bound, as at inference. */
    @Override
    public double stepSize(Map<String, INDArray> params) {
        return GradientFlowStep.of(certifiedNorm(params), params.get(STEP_KEY), safetyFraction).tau();
    }

    /** Builder in DL4J style. Defaults: 3×3, ReLU, safetyFraction 1, 1 power iteration per step. */
    public static class Builder extends AbstractNormalisedConv2D.Builder<Builder> {
        private long hiddenChannels;
        private Activation activation = Activation.RELU;
        private double safetyFraction = 1.0;

        /** Hidden channels C′ of K; free, need not equal C. */
        public Builder hiddenChannels(long hiddenChannels) {
            this.hiddenChannels = hiddenChannels;
            return this;
        }

        /** A monotone 1-Lipschitz activation ({@link MonotoneActivations#ALLOWED}); ReLU by default. */
        public Builder activation(Activation activation) {
            this.activation = activation;
            return this;
        }

        /** Fraction s ∈ (0, 1] of the largest non-expansive step 2/‖K‖₂². */
        public Builder safetyFraction(double safetyFraction) {
            this.safetyFraction = safetyFraction;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public GradientFlowConv2D build() {
            validate();
            DenseLayerSupport.requirePositive(hiddenChannels, "hiddenChannels", owner());
            MonotoneActivations.require(activation, owner());
            requireSafetyFraction(safetyFraction);
            return new GradientFlowConv2D(this);
        }
    }
}
