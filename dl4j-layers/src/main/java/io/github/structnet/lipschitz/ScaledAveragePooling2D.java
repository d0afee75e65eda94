package io.github.structnet.lipschitz;

import io.github.structnet.samediff.LayerBuilder;
import lombok.Data;
import lombok.EqualsAndHashCode;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;

import java.util.Map;

/**
 * Average pooling rescaled to be 1-Lipschitz, and as large as that allows: k×k windows with stride k
 * (non-overlapping) or, with {@code global}, one window over the whole H×W map.
 * <pre>
 *   y = k · avgpool_{k×k, stride k}(x)              (= the window sum divided by k)
 *   y_c = √(HW) · mean_{h,w} x_{c,h,w}              (global: [mb, C, H, W] → [mb, C])
 * </pre>
 * <b>Guarantee.</b> The mean of m values has norm 1/√m as a linear map (Cauchy–Schwarz), so scaling by √m = k (or
 * √(HW)) gives norm exactly 1, attained on constant windows: the layer is 1-Lipschitz and loses no more of the
 * margin than a pooling must. Plain average pooling (norm 1/k) would shrink every certified radius by k.
 * H and W must be multiples of k: no pixel is silently dropped. NCHW and NHWC inputs (the layout is taken from the
 * input type).
 */
@Data
@EqualsAndHashCode(callSuper = true)
public class ScaledAveragePooling2D extends DisjointWindowsLayer {

    private int kernelSize;
    private boolean global;

    private ScaledAveragePooling2D() {
        // for Jackson
    }

    private ScaledAveragePooling2D(Builder b) {
        super(b);
        this.kernelSize = b.kernelSize;
        this.global = b.global;
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> p, SDVariable mask) {
        boolean nhwc = dataFormat == CNN2DFormat.NHWC;
        if (global) {
            return nhwc ? sd.mean(x, 1, 2).mul(scale()) : sd.mean(x, 2, 3).mul(scale());
        }
        return sd.cnn().avgPooling2d(x, Pooling2DConfig.builder()
                .kH(kernelSize).kW(kernelSize).sH(kernelSize).sW(kernelSize)
                .paddingMode(PaddingMode.VALID).isNHWC(nhwc).build())
                .mul(scale());
    }

    /** The number m of values each output averages: k² per window, or H·W for the global pooling. */
    private double windowSize() {
        return global ? (double) height * width : (double) kernelSize * kernelSize;
    }

    /** The factor the mean is multiplied by: k, or √(HW) for the global pooling. */
    private double scale() {
        return global ? Math.sqrt((double) height * width) : kernelSize;
    }

    /** scale / √m: the mean of m values has norm 1/√m and the windows are disjoint; 1 for this layer's scale. */
    @Override
    public double lipschitzBound(Map<String, INDArray> params) {
        return scale() / Math.sqrt(windowSize());
    }

    @Override
    protected int windowSide() {
        return kernelSize;
    }

    @Override
    protected boolean globalWindow() {
        return global;
    }

    /** Builder. Default: 2×2 windows, stride 2. */
    public static class Builder extends LayerBuilder<Builder> {
        private int kernelSize = 2;
        private boolean global;

        /** Window size k = stride (k ≥ 1). */
        public Builder kernelSize(int kernelSize) {
            if (kernelSize < 1) {
                throw new IllegalArgumentException(owner() + ": kernelSize must be >= 1; got "
                        + kernelSize);
            }
            this.kernelSize = kernelSize;
            return this;
        }

        /** Pool over the whole H×W map, scaled by √(HW): output [mb, C]. */
        public Builder global(boolean global) {
            this.global = global;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public ScaledAveragePooling2D build() {
            return new ScaledAveragePooling2D(this);
        }
    }
}
