package io.github.structnet.lipschitz;

import io.github.structnet.kernels.Convolutions;
import io.github.structnet.kernels.Release;
import io.github.structnet.kernels.Vectors;
import io.github.structnet.samediff.DirectPass;
import io.github.structnet.samediff.PassMemory;
import lombok.Data;
import lombok.EqualsAndHashCode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.HashMap;
import java.util.Map;

/**
 * A convolution normalised by its true operator norm, for channel lifts, transitions and stride-2 downsampling
 * in 1-Lipschitz networks.
 * <pre>
 *   y = (K / σ_K) x + b,    K: C → C′ channels, k×k, stride s ∈ {1, 2}, "same" zero padding
 * </pre>
 * σ_K is the operator norm of the (strided) convolution on the layer's input size H×W, estimated by power
 * iteration on (K, Kᵀ) while training. The norm of the reshaped kernel matrix, which some libraries use instead,
 * can be off by a factor up to k.
 * <p><b>Guarantee.</b> At inference σ_K is the sound Fourier bound B(K) ≥ ‖K‖₂ for stride s on H×W
 * ({@link io.github.structnet.spectral.ConvolutionNorm}), so ‖y(x) − y(x′)‖₂ ≤ ‖x − x′‖₂ for the weights the layer
 * runs with. Only strides 1 and 2 are offered: those are the ones the bound certifies.
 * <p>No activation: follow it with a 1-Lipschitz one ({@link MaxMin}, ReLU) in an {@code ActivationLayer}.
 * Shapes: input [mb, C, H, W], output [mb, C′, ⌈H/s⌉, ⌈W/s⌉] (or channels last, [mb, H, W, C], when the input
 * type is NHWC); K [k, k, C, C′], b [C′]; state {@value #VECTOR_KEY} [1, C, H, W] in either layout.
 *
 * @see <a href="https://arxiv.org/abs/1805.10408">Sedghi, Gupta, Long 2019, The singular values of convolutional
 * layers</a>
 */
@Data
@EqualsAndHashCode(callSuper = true)
public class SpectralConv2D extends AbstractNormalisedConv2D implements DirectPass<SpectralConv2D.Saved> {

    /**
     * What {@link #forward} keeps for backprop: σ, the normalised kernel K/(σ + floor), and in training the
     * power-iteration direction v̂ and its image K v̂ for the gradient of σ = ‖K v̂‖.
     */
    record Saved(double sigma, INDArray normalisedKernel, INDArray direction, INDArray image) {
    }

    private long outChannels;
    private int stride;
    private boolean hasBias;

    private SpectralConv2D() {
        // for Jackson
    }

    private SpectralConv2D(Builder b) {
        super(b);
        this.outChannels = b.outChannels;
        this.stride = b.stride;
        this.hasBias = b.hasBias;
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> p, SDVariable mask) {
        SDVariable sigma = operatorNorm(sd, p);
        SDVariable bias = hasBias ? p.get(BIAS_KEY) : null;
        // normalise the small kernel rather than the output (a broadcast multiply with a costly gradient)
        SDVariable normalised = p.get(KERNEL_KEY).mul(sigma.add(Norms.FLOOR).rdiv(1.0).reshape(1, 1, 1, 1));
        return Convolutions.apply(sd, x, normalised, bias, kernelSize, stride, dataFormat);
    }

    /**
     * The same map with hand-written ND4J calls (what the runtime runs): σ = ‖K v̂‖ in training and
     * max(‖K v̂‖, B(K)) at inference, as the definition's scale placeholder makes it; y = conv(x, K/(σ + floor)) + b
     * in the layer's data layout.
     */
    @Override
    public Forward<Saved> forward(Map<String, INDArray> p, INDArray x, boolean training, PassMemory memory) {
        INDArray kernel = p.get(KERNEL_KEY);
        INDArray v = p.get(VECTOR_KEY);
        INDArray direction = memory.scratch("direction", v.dataType(), v.shape()).assign(v).divi(Vectors.norm2(v));
        INDArray image = Convolutions.apply(direction, kernel, stride);
        double estimate = Vectors.norm2(image);
        double sigma = estimate;
        if (!training) {
            sigma = Norms.atInference(estimate, certifiedNorm(p));
            Release.all(image);
            image = null;
        }
        INDArray normalised = memory.scratch("normalisedKernel", kernel.dataType(), kernel.shape()).assign(kernel)
                .muli(1.0 / (sigma + Norms.FLOOR));
        long[] outShape = shapeOf(x.size(0), outChannels, (height + stride - 1) / stride,
                (width + stride - 1) / stride);
        INDArray out = Convolutions.apply(x, normalised, hasBias ? p.get(BIAS_KEY) : null, stride, dataFormat,
                memory.result(x.dataType(), outShape));
        return new Forward<>(x, out, new Saved(sigma, normalised, training ? direction : null, image));
    }

    /**
     * The vector–Jacobian product of {@link #forward}, with s = 1/(σ + floor) and G the weight gradient of the
     * convolution with K s: ∂/∂x and ∂/∂b from one conv2d_bp, ∂/∂K = s G − s² ⟨G, K⟩ ∂σ/∂K, where ∂σ/∂K is the weight
     * gradient of the convolution at input v̂ for the output gradient K v̂ / σ.
     */
    @Override
    public Backward backward(Map<String, INDArray> p, Forward<Saved> f, INDArray epsilon, PassMemory memory) {
        INDArray kernel = p.get(KERNEL_KEY);
        INDArray x = f.input();
        Saved saved = f.saved();
        double scale = 1.0 / (saved.sigma() + Norms.FLOOR);
        INDArray gradNormalised = memory.scratch("gradNormalisedKernel", kernel.dataType(), kernel.shape());
        INDArray gradX = memory.result(x.dataType(), x.shape());
        Convolutions.backward(x, saved.normalisedKernel(), hasBias ? p.get(BIAS_KEY) : null, epsilon, stride,
                dataFormat, gradX, gradNormalised, hasBias ? memory.gradient(BIAS_KEY) : null);
        INDArray gradKernel = memory.gradient(KERNEL_KEY).assign(gradNormalised).muli(scale);
        if (saved.direction() != null && saved.sigma() > 0) {
            double gradSigma = -Vectors.dot(gradNormalised, kernel) * scale * scale;
            INDArray unitImage = saved.image().div(saved.sigma());
            INDArray[] rankOne = Convolutions.backward(saved.direction(), kernel, null, unitImage, stride);
            gradKernel.addi(rankOne[1].muli(gradSigma));
            Release.all(unitImage);
            Release.all(rankOne);
        }
        Map<String, INDArray> grads = new HashMap<>();
        grads.put(KERNEL_KEY, gradKernel);
        if (hasBias) {
            grads.put(BIAS_KEY, memory.gradient(BIAS_KEY));
        }
        return new Backward(grads, gradX);
    }

    /** B(K) / (B(K) + floor) ≤ 1: the Fourier bound of the given K on H×W over the normaliser used at inference. */
    @Override
    public double lipschitzBound(Map<String, INDArray> params) {
        double bound = certifiedNorm(params);
        return Norms.normalisedMap(bound, bound);
    }

    @Override
    protected long kernelOutChannels() {
        return outChannels;
    }

    @Override
    protected int stride() {
        return stride;
    }

    @Override
    protected void defineOtherParameters(SDLayerParams params) {
        if (hasBias) {
            params.addBiasParam(BIAS_KEY, outChannels);
        }
    }

    @Override
    protected void initializeOtherParameters(Map<String, INDArray> params) {
        if (hasBias) {
            params.get(BIAS_KEY).assign(0);
        }
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        InputType.InputTypeConvolutional c = convolutional(inputType);
        return InputType.convolutional((c.getHeight() + stride - 1) / stride, (c.getWidth() + stride - 1) / stride,
                outChannels, c.getFormat());
    }

    /** Builder in DL4J style. Defaults: 3×3, stride 1, with bias. */
    public static class Builder extends AbstractNormalisedConv2D.Builder<Builder> {
        private long outChannels;
        private int stride = 1;
        private boolean hasBias = true;

        /** Output channels C′. */
        public Builder outChannels(long outChannels) {
            this.outChannels = outChannels;
            return this;
        }

        /** 1, or 2 for downsampling; other strides are refused (their norm is not certified). */
        public Builder stride(int stride) {
            this.stride = stride;
            return this;
        }

        public Builder hasBias(boolean hasBias) {
            this.hasBias = hasBias;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public SpectralConv2D build() {
            validate();
            DenseLayerSupport.requirePositive(outChannels, "outChannels", owner());
            if (stride != 1 && stride != 2) {
                throw new IllegalArgumentException(owner() + ": stride " + stride + " cannot be certified; allowed are"
                        + " 1 and 2 (use space-to-depth for other resolution changes)");
            }
            return new SpectralConv2D(this);
        }
    }
}
