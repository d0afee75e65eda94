package io.github.structnet.lipschitz;

import io.github.structnet.samediff.LayerBuilder;
import lombok.Data;
import lombok.EqualsAndHashCode;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * Invertible down-sampling (deel-lip's {@code InvertibleDownSampling}): each k×k block of pixels becomes k² channels,
 * <pre>
 *   y[c·k² + i·k + j, h, w] = x[c, h·k + i, w·k + j]        (C×H×W → C·k² × H/k × W/k)
 * </pre>
 * the channel order of deel-lip (channel-major), which differs from DL4J's {@code SpaceToDepthLayer}
 * (block-position-major): weights trained after one do not fit the other. NCHW and NHWC.
 * <p><b>Guarantee.</b> A permutation of coordinates: an isometry, Lipschitz constant exactly 1, and invertible.
 * H and W must be multiples of k.
 */
@Data
@EqualsAndHashCode(callSuper = true)
public class InvertibleDownsampling extends DisjointWindowsLayer {

    private int blockSize;

    private InvertibleDownsampling() {
        // for Jackson
    }

    private InvertibleDownsampling(Builder b) {
        super(b);
        this.blockSize = b.blockSize;
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> p, SDVariable mask) {
        long k = blockSize;
        long c = channels;
        long h = height / k;
        long w = width / k;
        if (dataFormat == CNN2DFormat.NHWC) {
            return x.reshape(-1, h, k, w, k, c).permute(0, 1, 3, 5, 2, 4).reshape(-1, h, w, c * k * k);
        }
        return x.reshape(-1, c, h, k, w, k).permute(0, 1, 3, 5, 2, 4).reshape(-1, c * k * k, h, w);
    }

    /** 1: a permutation. */
    @Override
    public double lipschitzBound(Map<String, INDArray> params) {
        return 1.0;
    }

    @Override
    protected int windowSide() {
        return blockSize;
    }

    @Override
    protected long channelFactor() {
        return (long) blockSize * blockSize;
    }

    @Override
    protected String windowName() {
        return "block size";
    }

    /** Builder. Default: 2×2 blocks. */
    public static class Builder extends LayerBuilder<Builder> {
        private int blockSize = 2;

        /** Block size k ≥ 1. */
        public Builder blockSize(int k) {
            if (k < 1) {
                throw new IllegalArgumentException(owner() + ": blockSize must be >= 1; got " + k);
            }
            this.blockSize = k;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public InvertibleDownsampling build() {
            return new InvertibleDownsampling(this);
        }
    }
}
