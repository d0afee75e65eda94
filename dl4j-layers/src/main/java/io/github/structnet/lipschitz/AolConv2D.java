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
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.HashMap;
import java.util.Map;

/**
 * An almost-orthogonal (AOL) convolution: K rescaled input channel by input channel so that it cannot expand, with
 * no power iteration and no state.
 * <pre>
 *   y = (K D) x + b,   K: C → C′ channels, k×k, stride 1, "same" zero padding
 *   D = diag(d_c),     d_c = (Σ_{c′} Σ_δ |Q_{cc′}[δ]| + floor)^{-1/2},   Q = KᵀK as a (2k−1)×(2k−1) convolution
 * </pre>
 * <b>Guarantee.</b> ‖K D‖₂ ≤ 1 on every input size, for every K: KᵀK ⪯ D⁻² by the Schur test on the rows of KᵀK
 * (see {@link ConvolutionGram} for why this holds with zero padding too), so ‖y(x) − y(x′)‖₂ ≤ ‖x − x′‖₂. The
 * rescaling is part of the formula, the same in training and at inference. {@link #lipschitzBound} does not assume
 * it: it returns a sound bound B(K D) ≥ ‖K D‖₂ on the layer's H×W ({@link ConvolutionNorm#upperBound}: the exact
 * norm widened by a rounding margin for small operators, the Fourier bound otherwise) for the K D computed from the
 * given K (1 up to rounding, usually below).
 * <p>No activation: follow it with a 1-Lipschitz one ({@link MaxMin}, ReLU) in an {@code ActivationLayer}. Shapes:
 * input [mb, C, H, W], output [mb, C′, H, W] (or channels last when the input type is NHWC); K [k, k, C, C′],
 * b [C′]. Parameters: {@value #KERNEL_KEY}, {@value #BIAS_KEY}.
 *
 * @see <a href="https://arxiv.org/abs/2208.03160">Prach, Lampert 2022, Almost-orthogonal layers for efficient
 * general-purpose Lipschitz networks</a>
 */
@Data
@EqualsAndHashCode(callSuper = true)
public class AolConv2D extends AbstractCertifiedConv2D implements DirectPass<AolConv2D.Saved> {

    private long outChannels;
    private boolean hasBias;

    /** What {@link #forward} keeps for backprop: the kernel's correlations, the scales d [1, C] and K D. */
    record Saved(ConvolutionGram.Correlations correlations, INDArray scales, INDArray rescaled) {
    }

    private AolConv2D() {
        // for Jackson
    }

    private AolConv2D(Builder b) {
        super(b);
        this.outChannels = b.outChannels;
        this.hasBias = b.hasBias;
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> p, SDVariable mask) {
        SDVariable kernel = p.get(KERNEL_KEY);
        SDVariable gram = ConvolutionGram.define(sd, kernel, kernelSize, ConvolutionGram.Side.INPUT);
        SDVariable scales = sd.math().pow(gram.sum(1).add(Norms.FLOOR), -0.5).reshape(1, 1, channels, 1);
        return Convolutions.apply(sd, x, kernel.mul(scales), hasBias ? p.get(BIAS_KEY) : null, kernelSize, 1,
                dataFormat);
    }

    /**
     * The same map with hand-written ND4J calls (what the runtime runs): the correlations of K with itself, d from
     * their absolute sums, K D, then y = conv(x, K D) + b.
     */
    @Override
    public Forward<Saved> forward(Map<String, INDArray> p, INDArray x, boolean training, PassMemory memory) {
        INDArray kernel = p.get(KERNEL_KEY);
        ConvolutionGram.Correlations correlations = ConvolutionGram.correlate(kernel, kernelSize,
                ConvolutionGram.Side.INPUT);
        INDArray scales = scales(correlations, memory.scratch("scales", kernel.dataType(), 1, channels));
        INDArray rescaled = memory.scratch("rescaled", kernel.dataType(), kernel.shape()).assign(kernel)
                .muli(scales.reshape(1, 1, channels, 1));
        INDArray out = Convolutions.apply(x, rescaled, hasBias ? p.get(BIAS_KEY) : null, 1, dataFormat,
                memory.result(x.dataType(), shapeOf(x.size(0), outChannels, height, width)));
        return new Forward<>(x, out, new Saved(correlations, scales, rescaled));
    }

    /** d = (Σ_{c′} A_{cc′} + floor)^{-1/2} written into {@code out} [1, C]. */
    private static INDArray scales(ConvolutionGram.Correlations correlations, INDArray out) {
        INDArray gram = correlations.absoluteSums();
        out.assign(gram.sum(1).reshape(out.shape()));
        Release.all(gram);
        return Transforms.pow(out.addi(Norms.FLOOR), -0.5, false);
    }

    /**
     * The vector–Jacobian product of {@link #forward}: conv2d_bp through K D gives ∂/∂x, ∂/∂(K D), ∂/∂b; then
     * ∂/∂K = ∂/∂(K D) ⊙ d plus, through d_c = (s_c + floor)^{-1/2}, ∂/∂s_c = −d_c³/2 · Σ ∂/∂(K D)[·, c, ·] ⊙ K[·, c, ·]
     * spread over row c of A and back through the correlations.
     */
    @Override
    public Backward backward(Map<String, INDArray> p, Forward<Saved> f, INDArray epsilon, PassMemory memory) {
        INDArray kernel = p.get(KERNEL_KEY);
        Saved saved = f.saved();
        INDArray gradRescaled = memory.scratch("gradRescaled", kernel.dataType(), kernel.shape());
        INDArray gradBias = hasBias ? memory.gradient(BIAS_KEY) : null;
        INDArray gradX = memory.result(f.input().dataType(), f.input().shape());
        Convolutions.backward(f.input(), saved.rescaled(), hasBias ? p.get(BIAS_KEY) : null, epsilon, 1, dataFormat,
                gradX, gradRescaled, gradBias);
        INDArray d = saved.scales();
        INDArray gradKernel = memory.gradient(KERNEL_KEY).assign(gradRescaled).muli(d.reshape(1, 1, channels, 1));
        INDArray gradD = gradRescaled.mul(kernel).sum(0, 1, 3).reshape(1, channels);
        INDArray gradS = gradD.muli(d).muli(d).muli(d).muli(-0.5);                       // [1, C]
        INDArray gradGram = gradS.reshape(channels, 1).repeat(1, channels);            // row c: ∂/∂s_c
        saved.correlations().addKernelGradient(gradGram, gradKernel);
        Release.all(gradS, gradGram);
        Map<String, INDArray> grads = new HashMap<>();
        grads.put(KERNEL_KEY, gradKernel);
        if (hasBias) {
            grads.put(BIAS_KEY, gradBias);
        }
        return new Backward(grads, gradX);
    }

    /** K D as the layer computes it from K: [k, k, C, C′]. */
    INDArray rescaledKernel(INDArray kernel) {
        INDArray scales = scales(ConvolutionGram.correlate(kernel, kernelSize, ConvolutionGram.Side.INPUT),
                Nd4j.createUninitialized(kernel.dataType(), 1, channels));
        return kernel.mul(scales.reshape(1, 1, channels, 1));
    }

    /** B(K D): {@link ConvolutionNorm#upperBound} on H×W of the rescaled kernel computed from K. Cached per K. */
    @Override
    public double lipschitzBound(Map<String, INDArray> params) {
        INDArray kernel = params.get(KERNEL_KEY);
        return cachedBound(params, "aol-conv", () -> ConvolutionNorm.upperBound(rescaledKernel(kernel), 1, height,
                width), KERNEL_KEY);
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        requireGeometry();
        params.addWeightParam(KERNEL_KEY, kernelSize, kernelSize, channels, outChannels);
        if (hasBias) {
            params.addBiasParam(BIAS_KEY, outChannels);
        }
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        initializeKernel(params.get(KERNEL_KEY));
        if (hasBias) {
            params.get(BIAS_KEY).assign(0);
        }
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return sameResolution(inputType, outChannels);
    }

    /** Builder in DL4J style. Defaults: 3×3, with bias; input size inferred from the input type. */
    public static class Builder extends AbstractCertifiedConv2D.Builder<Builder> {
        private long outChannels;
        private boolean hasBias = true;

        /** Output channels C′. */
        public Builder outChannels(long outChannels) {
            this.outChannels = outChannels;
            return this;
        }

        public Builder hasBias(boolean hasBias) {
            this.hasBias = hasBias;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public AolConv2D build() {
            validate();
            DenseLayerSupport.requirePositive(outChannels, "outChannels", owner());
            return new AolConv2D(this);
        }
    }
}
