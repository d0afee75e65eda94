package io.github.structnet.lipschitz;

import io.github.structnet.samediff.LayerBuilder;
import lombok.Data;
import lombok.EqualsAndHashCode;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * The positive and negative parts of the input, side by side along the channels (deel-lip's {@code MaxMin}):
 * <pre>
 *   y = [ max(x, 0), max(−x, 0) ]      (2C channels from C; feed-forward or convolutional, NCHW or NHWC)
 * </pre>
 * <p><b>Guarantee.</b> For each coordinate at most one of the two parts is non-zero and
 * |max(a,0) − max(b,0)|² + |max(−a,0) − max(−b,0)|² ≤ |a − b|², so the map is 1-Lipschitz; it also keeps norms,
 * ‖y‖ = ‖x‖, so no signal is lost (unlike a ReLU).
 */
@Data
@EqualsAndHashCode(callSuper = true)
public class ConcatenatedRelu extends ChannelActivationLayer {

    private ConcatenatedRelu() {
        // for Jackson
    }

    private ConcatenatedRelu(Builder b) {
        super(b);
    }

    @Override
    protected void checkChannels(long channels) {
        // any channel count
    }

    @Override
    protected long outputChannels(long channels) {
        return 2 * channels;
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> p, SDVariable mask) {
        return sd.concat(channelAxis(), sd.nn().relu(x, 0), sd.nn().relu(x.neg(), 0));
    }

    /** 1 (see the class documentation). */
    @Override
    public double lipschitzBound(Map<String, INDArray> params) {
        return 1.0;
    }

    /** Builder (no settings). */
    public static class Builder extends LayerBuilder<Builder> {
        @Override
        @SuppressWarnings("unchecked")
        public ConcatenatedRelu build() {
            return new ConcatenatedRelu(this);
        }
    }
}
