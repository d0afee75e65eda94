package io.github.structnet.lipschitz;

import io.github.structnet.samediff.LayerBuilder;
import io.github.structnet.spectral.BoundCache;
import lombok.Data;
import lombok.EqualsAndHashCode;
import lombok.ToString;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.annotation.JsonIgnore;

import java.util.Map;
import java.util.function.DoubleSupplier;

/**
 * What the convolutional 1-Lipschitz layers without power-iteration state share ({@link AolConv2D},
 * {@link SllConv2D}): a k×k kernel K [k, k, C, C′] (odd k, stride 1, "same" zero padding) whose rescaling is part of
 * the formula, a certificate computed from the parameters on the layer's input size H×W and cached per bit-exact copy
 * of them, and NCHW or NHWC input handling. The input size is part of the configuration because the certificate is
 * computed for it.
 */
@Data
@EqualsAndHashCode(callSuper = true)
public abstract class AbstractCertifiedConv2D extends ConvolutionalStructLayer implements LipschitzBounded {

    public static final String KERNEL_KEY = "K";
    public static final String BIAS_KEY = "b";

    protected int kernelSize;

    @JsonIgnore
    @EqualsAndHashCode.Exclude
    @ToString.Exclude
    private transient BoundCache boundCache;

    protected AbstractCertifiedConv2D() {
        // for Jackson
    }

    protected AbstractCertifiedConv2D(Builder<?> b) {
        super(b, b.channels, b.height, b.width);
        this.kernelSize = b.kernelSize;
    }

    /**
     * The certificate for the given parameters (those named, concatenated as the cache key), from the cache when they
     * are bit-exactly those of the last call, else from {@code compute}.
     */
    protected double cachedBound(Map<String, INDArray> params, String kind, DoubleSupplier compute,
                                 String... keys) {
        INDArray[] flat = new INDArray[keys.length];
        for (int i = 0; i < keys.length; i++) {
            INDArray p = params.get(keys[i]);
            flat[i] = p.reshape(1, p.length());
        }
        BoundCache cache;
        synchronized (this) {
            if (boundCache == null) {
                boundCache = new BoundCache();
            }
            cache = boundCache;
        }
        return cache.get(flat.length == 1 ? flat[0] : Nd4j.concat(1, flat), kind + " " + height + "x" + width, compute);
    }

    /** Initialises K with N(0, 1/(k²C)). */
    protected void initializeKernel(INDArray kernel) {
        double fanIn = (double) kernelSize * kernelSize * channels;
        kernel.assign(Nd4j.randn(kernel.dataType(), kernel.shape()).muli(1.0 / Math.sqrt(fanIn)));
    }

    @Override
    protected boolean supportsChannelsLast() {
        return true;
    }

    @Override
    protected String sizeReason() {
        return "; the certificate was computed for " + height + "x" + width + " inputs";
    }

    /** Shared builder settings: input size (inferred when not set) and odd kernel size (3 by default). */
    @SuppressWarnings("unchecked")
    public abstract static class Builder<T extends Builder<T>> extends LayerBuilder<T> {
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

        /** Checks the shared settings. */
        protected void validate() {
            requireKernelAndInputSize(kernelSize, channels, height, width, owner());
        }
    }
}
