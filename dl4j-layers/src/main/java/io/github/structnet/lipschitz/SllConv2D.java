package io.github.structnet.lipschitz;

import io.github.structnet.kernels.Convolutions;
import io.github.structnet.kernels.Release;
import io.github.structnet.samediff.DirectPass;
import io.github.structnet.samediff.PassMemory;
import io.github.structnet.spectral.ConvolutionNorm;
import lombok.Data;
import lombok.EqualsAndHashCode;
import org.deeplearning4j.nn.conf.inputs.InputType;
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
 * An SDP-based Lipschitz (SLL) convolutional residual block: the convolutional form of {@link SllDense}, with a
 * channel-wise rescaling derived from K itself, no power iteration and no state.
 * <pre>
 *   y = x − 2 Kᵀ T⁻¹ σ(K x + b),   K: C → C′ channels, k×k, stride 1, "same" zero padding (C′ free)
 *   T = diag(tᵢ) + floor,   tᵢ = Σⱼ Aᵢⱼ qⱼ / qᵢ,   Aᵢⱼ = Σ_δ |Pᵢⱼ[δ]|,   P = K Kᵀ as a (2k−1)×(2k−1) convolution
 *   q = exp(ℓ) &gt; 0 learnable
 * </pre>
 * Kᵀ is the exact adjoint of K (the convolution with the flipped, channel-swapped kernel, here scaled by T⁻¹ on its
 * input channels).
 * <p><b>Guarantee.</b> K Kᵀ ⪯ T as operators on the layer's feature maps (the Schur test with weights q on the
 * rows of K Kᵀ; {@link ConvolutionGram} shows why zero padding keeps it), so K̃ = T^{-1/2} K has ‖K̃‖₂ ≤ 1 and the
 * block's Jacobian I − 2 K̃ᵀ D K̃ (0 ≤ D ≤ I) has eigenvalues in [−1, 1]: ‖y(x) − y(x′)‖₂ ≤ ‖x − x′‖₂ over the whole
 * C×H×W input. T is part of the formula, the same in training and at inference. {@link #lipschitzBound} does not
 * assume it: it returns max(1, 2 B(K̃)² − 1) with B the sound bound {@link ConvolutionNorm#upperBound} on H×W of the
 * K̃ computed from the given K and ℓ. {@link GradientFlowConv2D} is the case T = ‖K‖₂² I.
 * <p>Shapes: input/output [mb, C, H, W] (or channels last when the input type is NHWC); K [k, k, C, C′], b [C′],
 * ℓ [1, C′]. Parameters: {@value #KERNEL_KEY}, {@value #BIAS_KEY}, {@value #SCALE_KEY} (ℓ = log q).
 *
 * @see <a href="https://arxiv.org/abs/2303.03169">Araujo, Havens, Delattre, Allauzen, Hu 2023, A unified algebraic
 * perspective on Lipschitz neural networks</a>
 */
@Data
@EqualsAndHashCode(callSuper = true)
public class SllConv2D extends AbstractCertifiedConv2D implements DirectPass<SllConv2D.Saved> {

    public static final String SCALE_KEY = "logq";

    private long hiddenChannels;
    private Activation activation;

    /** The rescaling of one pass: the kernel's correlations, A [C′, C′], and q, t, r from them. */
    record Rescaling(ConvolutionGram.Correlations correlations, INDArray gram, SllScaling scaling) {
    }

    /**
     * What {@link #forward} keeps for backprop: the rescaling, z (only when σ′ needs it), a = σ(z), the flipped kernel
     * K̃ and the adjoint kernel M = −K̃ ⊙ r.
     */
    record Saved(Rescaling rescaling, INDArray z, INDArray a, INDArray flipped, INDArray adjoint) {
    }

    private SllConv2D() {
        // for Jackson
    }

    private SllConv2D(Builder b) {
        super(b);
        this.hiddenChannels = b.hiddenChannels;
        this.activation = b.activation;
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> p, SDVariable mask) {
        SDVariable kernel = p.get(KERNEL_KEY);
        SDVariable logQ = p.get(SCALE_KEY);
        SDVariable gram = ConvolutionGram.define(sd, kernel, kernelSize, ConvolutionGram.Side.OUTPUT);
        SDVariable t = sd.mmul(sd.math().exp(logQ), gram).mul(sd.math().exp(logQ.neg()));
        SDVariable r = t.add(Norms.FLOOR).rdiv(2.0).reshape(1, 1, hiddenChannels, 1);
        SDVariable a = activation.asSameDiff(sd, Convolutions.apply(sd, x, kernel, p.get(BIAS_KEY), kernelSize, 1,
                dataFormat));
        // 2 Kᵀ T⁻¹ a as one convolution of a with the adjoint kernel scaled on its input channels
        SDVariable adjoint = Convolutions.flipped(sd, kernel).mul(r);
        return x.sub(sd.cnn().conv2d(a, adjoint, Convolutions.config(kernelSize, 1, dataFormat)));
    }

    /**
     * The same block with hand-written ND4J calls (what the runtime runs): the rescaling from K and ℓ, z = K x + b,
     * a = σ(z), y = x + conv(a, M) with M = −K̃ ⊙ r (r on M's input channels).
     */
    @Override
    public Forward<Saved> forward(Map<String, INDArray> p, INDArray x, boolean training, PassMemory memory) {
        INDArray kernel = p.get(KERNEL_KEY);
        Rescaling rescaling = rescale(kernel, p.get(SCALE_KEY));
        ActivatedConvolution activated = ActivatedConvolution.of(x, kernel, p.get(BIAS_KEY), activation, dataFormat,
                shapeOf(x.size(0), hiddenChannels, height, width), training, memory);
        INDArray a = activated.a();
        INDArray flipped = Convolutions.flipped(kernel, 1.0,
                memory.scratch("flipped", kernel.dataType(), Convolutions.flippedShape(kernel)));
        INDArray adjoint = memory.scratch("adjoint", kernel.dataType(), flipped.shape()).assign(flipped)
                .muli(rescaling.scaling().r().reshape(1, 1, hiddenChannels, 1)).negi();
        INDArray out = Convolutions.apply(a, adjoint, null, 1, dataFormat, memory.result(x.dataType(), x.shape()))
                .addi(x);
        return new Forward<>(x, out, new Saved(rescaling, activated.z(), a, flipped, adjoint));
    }

    /** The correlations of K, A, q = exp(ℓ), t = (q A) ⊘ q and r = 2/(t + floor), as the definition computes them. */
    private Rescaling rescale(INDArray kernel, INDArray logQ) {
        ConvolutionGram.Correlations correlations = ConvolutionGram.correlate(kernel, kernelSize,
                ConvolutionGram.Side.OUTPUT);
        INDArray gram = correlations.absoluteSums();
        return new Rescaling(correlations, gram, SllScaling.of(gram, logQ,
                Nd4j.createUninitialized(kernel.dataType(), 1, hiddenChannels)));
    }

    /**
     * The vector–Jacobian product of {@link #forward}. conv2d_bp through M gives ∂/∂a and ∂/∂M; σ′ gives ∂/∂z;
     * conv2d_bp through K gives ∂/∂x (plus ε), ∂/∂K and ∂/∂b. M = −K̃ ⊙ r adds −flip(∂/∂M ⊙ r) to ∂/∂K and gives
     * ∂/∂rᵢ = −Σ ∂/∂M ⊙ K̃ over M's input channel i; through r = 2/(t + floor): ∂/∂t = −r²/2 ⊙ ∂/∂r; with
     * g = ∂/∂t ⊘ q: ∂/∂A = q gᵀ (entry j, i = qⱼ gᵢ), back through the correlations into ∂/∂K, and
     * ∂/∂ℓ = q ⊙ (g A − g ⊙ t).
     */
    @Override
    public Backward backward(Map<String, INDArray> p, Forward<Saved> f, INDArray epsilon, PassMemory memory) {
        INDArray kernel = p.get(KERNEL_KEY);
        INDArray x = f.input();
        Saved saved = f.saved();
        Rescaling rescaling = saved.rescaling();
        SllScaling s = rescaling.scaling();
        ActivatedConvolution.Gradients first = ActivatedConvolution.backward(p, KERNEL_KEY, BIAS_KEY, x, saved.z(),
                saved.a(), saved.adjoint(), epsilon, activation, dataFormat, memory);
        INDArray gradM = first.adjointKernel();
        INDArray gradKernel = first.kernel();

        INDArray gradR = gradM.mul(saved.flipped()).sum(0, 1, 3).reshape(1, hiddenChannels).negi();
        Convolutions.addFlipped(gradM.muli(s.r().reshape(1, 1, hiddenChannels, 1)), -1.0, gradKernel);
        INDArray g = s.tGradientOverQ(gradR);
        INDArray gradGram = s.q().transpose().mmul(g);                                   // entry (j, i): qⱼ gᵢ
        rescaling.correlations().addKernelGradient(gradGram, gradKernel);
        INDArray gradLogQ = s.logScaleGradient(g, rescaling.gram(), memory.gradient(SCALE_KEY));
        Release.all(gradGram);
        Map<String, INDArray> grads = new HashMap<>();
        grads.put(KERNEL_KEY, gradKernel);
        grads.put(BIAS_KEY, first.bias());
        grads.put(SCALE_KEY, gradLogQ);
        return new Backward(grads, first.input());
    }

    /** K̃ = (T + floor)^{-1/2} K as the layer computes T from K and ℓ: [k, k, C, C′]. */
    INDArray rescaledKernel(INDArray kernel, INDArray logQ) {
        INDArray r = rescale(kernel, logQ).scaling().r();
        return kernel.mul(Transforms.sqrt(r.muli(0.5), false).reshape(1, 1, 1, hiddenChannels));
    }

    /**
     * max(1, 2 B(K̃)² − 1) with K̃ = (T + floor)^{-1/2} K computed from the given K and ℓ and B the sound bound on
     * H×W: 1 whenever B(K̃) ≤ 1, which the construction of T guarantees up to rounding. Cached per K and ℓ.
     */
    @Override
    public double lipschitzBound(Map<String, INDArray> params) {
        return cachedBound(params, "sll-conv", () -> {
            double norm = ConvolutionNorm.upperBound(rescaledKernel(params.get(KERNEL_KEY), params.get(SCALE_KEY)), 1,
                    height, width);
            return Math.max(1.0, 2.0 * norm * norm - 1.0);
        }, KERNEL_KEY, SCALE_KEY);
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        requireGeometry();
        params.addWeightParam(KERNEL_KEY, kernelSize, kernelSize, channels, hiddenChannels);
        params.addBiasParam(BIAS_KEY, hiddenChannels);
        params.addBiasParam(SCALE_KEY, 1, hiddenChannels);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        initializeKernel(params.get(KERNEL_KEY));
        params.get(BIAS_KEY).assign(0);
        params.get(SCALE_KEY).assign(0);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return sameResolution(inputType, convolutional(inputType).getChannels());
    }

    /** Builder in DL4J style. Defaults: 3×3, ReLU; input size inferred from the input type. */
    public static class Builder extends AbstractCertifiedConv2D.Builder<Builder> {
        private long hiddenChannels;
        private Activation activation = Activation.RELU;

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

        @Override
        @SuppressWarnings("unchecked")
        public SllConv2D build() {
            validate();
            DenseLayerSupport.requirePositive(hiddenChannels, "hiddenChannels", owner());
            MonotoneActivations.require(activation, owner());
            return new SllConv2D(this);
        }
    }
}
