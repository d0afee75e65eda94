package io.github.structnet.lipschitz;

import org.nd4j.shade.jackson.annotation.JsonIgnore;
import io.github.structnet.spectral.BoundCache;
import io.github.structnet.spectral.ConvolutionNormState;
import io.github.structnet.spectral.SpectralNormState;
import lombok.Data;
import lombok.EqualsAndHashCode;
import lombok.ToString;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

/**
 * What the convolutional 1-Lipschitz layers share: a k×k kernel K [k, k, C, C′] (odd k, "same" zero padding)
 * whose operator norm <i>on the layer's input size H×W</i> normalises the layer ({@link ConvolutionNormState}:
 * power-iteration estimate while training, the sound Fourier bound at inference), the power-iteration vector
 * {@value #VECTOR_KEY} [1, C, H, W] as saved state (NCHW whatever the data layout), and NCHW or NHWC input handling.
 * The input size is part of the configuration: an input of another size is refused, because the certified norm
 * would not apply to it.
 */
@Data
@EqualsAndHashCode(callSuper = true)
public abstract class AbstractNormalisedConv2D extends ConvolutionalStructLayer
        implements LipschitzBounded, PowerIterationVector {

    public static final String KERNEL_KEY = "K";
    public static final String BIAS_KEY = "b";

    protected int kernelSize;
    protected int powerIterations;
    protected int initPowerIterations;

    @JsonIgnore
    @EqualsAndHashCode.Exclude
    @ToString.Exclude
    private transient BoundCache boundCache;

    protected AbstractNormalisedConv2D() {
        // for Jackson
    }

    protected AbstractNormalisedConv2D(Builder<?> b) {
        super(b, b.channels, b.height, b.width);
        this.kernelSize = b.kernelSize;
        this.powerIterations = b.powerIterations;
        this.initPowerIterations = b.initPowerIterations;
    }

    /** Output channels C′ of K. */
    protected abstract long kernelOutChannels();

    /** Stride of K (1 or 2). */
    protected abstract int stride();

    /** Declares the parameters other than K and v. */
    protected abstract void defineOtherParameters(SDLayerParams params);

    /** Initialises the parameters other than K and v. */
    protected abstract void initializeOtherParameters(Map<String, INDArray> params);

    /** σ_K on the graph, a [1, 1] variable. */
    protected SDVariable operatorNorm(SameDiff sd, Map<String, SDVariable> p) {
        return operatorNorm(sd, p.get(KERNEL_KEY), p);
    }

    /** σ of {@code kernel} (the graph's {@link #normalisedKernel}) on the graph, a [1, 1] variable. */
    protected SDVariable operatorNorm(SameDiff sd, SDVariable kernel, Map<String, SDVariable> p) {
        return ConvolutionNormState.define(sd, KERNEL_KEY, kernel, p.get(VECTOR_KEY), kernelSize, stride());
    }

    /**
     * The kernel whose operator norm normalises the layer, as an array: K itself, unless the layer normalises a kernel
     * built from K (it then overrides this and builds the same kernel on its graph).
     */
    protected INDArray normalisedKernel(Map<String, INDArray> params) {
        return params.get(KERNEL_KEY);
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        requireGeometry();
        params.addWeightParam(KERNEL_KEY, kernelSize, kernelSize, channels, kernelOutChannels());
        params.addWeightParam(VECTOR_KEY, 1, channels, height, width);
        defineOtherParameters(params);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        INDArray k = params.get(KERNEL_KEY);
        double fanIn = (double) kernelSize * kernelSize * channels;
        k.assign(Nd4j.randn(k.dataType(), k.shape()).muli(1.0 / Math.sqrt(fanIn)));
        initializeOtherParameters(params);
        initialiseState(params);
    }

    @Override
    public void initialiseState(Map<String, INDArray> params) {
        ConvolutionNormState.initialise(normalisedKernel(params), params.get(VECTOR_KEY), stride(),
                initPowerIterations, describe());
    }

    @Override
    public double powerIterationEstimate(Map<String, INDArray> params) {
        return ConvolutionNormState.estimate(normalisedKernel(params), params.get(VECTOR_KEY), stride());
    }


    @Override
    public void updateState(Map<String, INDArray> params) {
        ConvolutionNormState.update(normalisedKernel(params), params.get(VECTOR_KEY), stride(), powerIterations,
                describe());
    }

    @Override
    public Map<String, INDArray> placeholderValues(Map<String, INDArray> params, boolean training) {
        return Map.of(KERNEL_KEY + SpectralNormState.SCALE_SUFFIX, ConvolutionNormState.scale(normalisedKernel(params),
                params.get(VECTOR_KEY), stride(), training, boundCache(), describe()));
    }

    /**
     * B(K) ≥ ‖K‖₂ on the layer's input size (the sound bound used at inference) for the {@link #normalisedKernel},
     * cached per kernel.
     */
    protected double certifiedNorm(Map<String, INDArray> params) {
        return ConvolutionNormState.certified(normalisedKernel(params), params.get(VECTOR_KEY), stride(), boundCache(),
                describe());
    }

    private synchronized BoundCache boundCache() {
        if (boundCache == null) {
            boundCache = new BoundCache();
        }
        return boundCache;
    }

    /** True: NCHW and NHWC; the power-iteration vector stays NCHW [1, C, H, W] in both (the operator is the same). */
    @Override
    protected boolean supportsChannelsLast() {
        return true;
    }

    @Override
    protected String sizeReason() {
        return "; the certified operator norm was computed for " + height + "x" + width + " inputs";
    }

    /** Shared builder settings. Defaults: 3×3 kernels, 1 power iteration per training step, 50 at initialisation. */
    @SuppressWarnings("unchecked")
    public abstract static class Builder<T extends Builder<T>> extends NormalisedLayerBuilder<T> {
        private long channels;
        private long height;
        private long width;
        private int kernelSize = 3;

        /** Input channels C, height H and width W; inferred from the input type when not set. */
        public T inputSize(long channels, long height, long width) {
            this.channels = channels;
            this.height = height;
            this.width = width;
            return (T) this;
        }

        /** Odd kernel size k ("same" zero padding). */
        public T kernelSize(int kernelSize) {
            this.kernelSize = kernelSize;
            return (T) this;
        }

        @Override
        protected void validate() {
            requireKernelAndInputSize(kernelSize, channels, height, width, owner());
            super.validate();
        }
    }
}
