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
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

/**
 * L2-norm pooling: each output is the Euclidean norm of its k×k window (stride k, non-overlapping) or, with
 * {@code global}, of the whole H×W map of its channel (deel-lip's ScaledL2NormPooling2D and
 * ScaledGlobalL2NormPooling2D):
 * <pre>
 *   y_c = √( Σ_{window} x_c² + δ )        (δ = {@link Builder#smoothing}, 1e-12 by default)
 * </pre>
 * δ keeps the gradient finite at a zero window (it is 0 there); it moves a value by at most √δ = 1e-6.
 * <p><b>Guarantee.</b> v ↦ √(‖v‖² + δ) is the norm of (v, √δ), hence 1-Lipschitz in v; the windows are disjoint, so
 * the layer is 1-Lipschitz. H and W must be multiples of k: no pixel is silently dropped. NCHW and NHWC.
 */
@Data
@EqualsAndHashCode(callSuper = true)
public class L2NormPooling2D extends DisjointWindowsLayer {

    private int kernelSize;
    private boolean global;
    private double smoothing;

    private L2NormPooling2D() {
        // for Jackson
    }

    private L2NormPooling2D(Builder b) {
        super(b);
        this.kernelSize = b.kernelSize;
        this.global = b.global;
        this.smoothing = b.smoothing;
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> p, SDVariable mask) {
        boolean nhwc = dataFormat == CNN2DFormat.NHWC;
        SDVariable squares = x.mul(x);
        SDVariable sums;
        if (global) {
            sums = nhwc ? squares.sum(1, 2) : squares.sum(2, 3);
        } else {
            sums = sd.cnn().avgPooling2d(squares, Pooling2DConfig.builder()
                    .kH(kernelSize).kW(kernelSize).sH(kernelSize).sW(kernelSize)
                    .paddingMode(PaddingMode.VALID).isNHWC(nhwc).build()).mul((double) kernelSize * kernelSize);
        }
        // δ as a constant of the input's type: a bare double becomes a scalar of ND4J's default type
        return sd.math().sqrt(sums.add(sd.constant(Nd4j.scalar(x.dataType(), smoothing))));
    }

    /** 1 (see the class documentation). */
    @Override
    public double lipschitzBound(Map<String, INDArray> params) {
        return 1.0;
    }

    @Override
    protected int windowSide() {
        return kernelSize;
    }

    @Override
    protected boolean globalWindow() {
        return global;
    }

    /** Builder. Default: 2×2 windows, stride 2, δ = 1e-12. */
    public static class Builder extends LayerBuilder<Builder> {
        private int kernelSize = 2;
        private boolean global;
        private double smoothing = 1e-12;

        /** Window size k = stride (k ≥ 1). */
        public Builder kernelSize(int kernelSize) {
            if (kernelSize < 1) {
                throw new IllegalArgumentException(owner() + ": kernelSize must be >= 1; got " + kernelSize);
            }
            this.kernelSize = kernelSize;
            return this;
        }

        /** One window over the whole H×W map: output [mb, C]. */
        public Builder global(boolean global) {
            this.global = global;
            return this;
        }

        /** δ ≥ 0 under the square root (finite gradients at zero windows); finite. */
        public Builder smoothing(double delta) {
            if (!(delta >= 0) || Double.isInfinite(delta)) {
                throw new IllegalArgumentException(owner() + ": smoothing must be finite and >= 0; got " + delta);
            }
            this.smoothing = delta;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public L2NormPooling2D build() {
            return new L2NormPooling2D(this);
        }
    }
}
