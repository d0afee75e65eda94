package io.github.structnet.lipschitz;

import io.github.structnet.samediff.LayerBuilder;
import io.github.structnet.kernels.Convolutions;
import lombok.Data;
import lombok.EqualsAndHashCode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Map;

/**
 * The lift and the projection that wrap a stack of 1-Lipschitz blocks acting on more channels than the data has:
 * <pre>
 *   lift:        L x = (x, 0, …, 0)         C → C_out channels (C_out ≥ C), zero padding of the channel axis
 *   projection:  P z = (z_1, …, z_{C_out})  C → C_out channels (C_out ≤ C), the first channels
 * </pre>
 * <b>Guarantee.</b> L is an isometry (‖Lx‖ = ‖x‖) and P = Lᵀ an orthogonal projection's restriction: both have
 * operator norm 1. For any averaged N on the lifted space, P ∘ N ∘ L is averaged with the same constant
 * (N = (1 − a) I + a R gives P N L = (1 − a) I + a P R L, and PL = I), which is what Plug-and-Play convergence needs.
 * Both are computed as 1×1 convolutions with a constant 0/1 kernel, so the copied values are exact.
 */
@Data
@EqualsAndHashCode(callSuper = true)
public class ChannelEmbedding extends ParameterFreeNonExpansiveLayer {

    private long outputChannels;

    private ChannelEmbedding() {
        // for Jackson
    }

    private ChannelEmbedding(Builder b) {
        super(b);
        this.outputChannels = b.outputChannels;
    }

    /** Zero-pads C input channels to {@code channels} (≥ C). */
    public static ChannelEmbedding lift(long channels) {
        return new Builder().outputChannels(channels).build();
    }

    /** Keeps the first {@code channels} (≤ C) input channels. */
    public static ChannelEmbedding projection(long channels) {
        return new Builder().outputChannels(channels).build();
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> p, SDVariable mask) {
        return sd.cnn().conv2d(x, sd.constant(selection(x.dataType())), Convolutions.config(1, 1));
    }

    /** The 1×1 kernel [1, 1, C, C_out] of the map: 1 at (c, c) for c &lt; min(C, C_out), 0 elsewhere. */
    private INDArray selection(DataType type) {
        INDArray selection = Nd4j.zeros(type, 1, 1, channels, outputChannels);
        for (long c = 0; c < Math.min(channels, outputChannels); c++) {
            selection.putScalar(new long[]{0, 0, c, c}, 1.0);
        }
        return selection;
    }

    /**
     * The Schur bound √(max row sum · max column sum) of |S| for the channel matrix S of {@link #selection}, which
     * bounds ‖S‖₂ and hence the norm of the 1×1 convolution at every pixel: 1 for a lift or a projection.
     */
    @Override
    public double lipschitzBound(Map<String, INDArray> params) {
        INDArray s = Transforms.abs(selection(DataType.DOUBLE).reshape(channels, outputChannels));
        return Math.sqrt(s.sum(1).maxNumber().doubleValue() * s.sum(0).maxNumber().doubleValue());
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        InputType.InputTypeConvolutional c = convolutional(inputType);
        return InputType.convolutional(c.getHeight(), c.getWidth(), outputChannels);
    }

    /** Builder. */
    public static class Builder extends LayerBuilder<Builder> {
        private long outputChannels;

        /** Output channels: more than the input's for a lift, fewer (or equal) for a projection. */
        public Builder outputChannels(long outputChannels) {
            this.outputChannels = outputChannels;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public ChannelEmbedding build() {
            if (outputChannels <= 0) {
                throw new IllegalArgumentException(owner() + ": outputChannels must be positive; got "
                        + outputChannels);
            }
            return new ChannelEmbedding(this);
        }
    }
}
