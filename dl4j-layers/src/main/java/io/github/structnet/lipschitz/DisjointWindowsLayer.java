package io.github.structnet.lipschitz;

import io.github.structnet.samediff.StructLayer;
import lombok.Data;
import lombok.EqualsAndHashCode;
import org.deeplearning4j.nn.conf.inputs.InputType;

/**
 * A parameter-free layer acting on disjoint k×k windows (stride k) of each channel, or on the whole H×W map as one
 * window ({@link #globalWindow()}): poolings and down-sampling. The windows tile the input exactly: H and W must be
 * multiples of k, so that no pixel is silently dropped. NCHW and NHWC inputs (the layout is taken from the input
 * type).
 */
@Data
@EqualsAndHashCode(callSuper = true)
public abstract class DisjointWindowsLayer extends ParameterFreeNonExpansiveLayer {

    protected DisjointWindowsLayer() {
        // for Jackson
    }

    protected DisjointWindowsLayer(StructLayer.Builder<?> b) {
        super(b);
    }

    /** The window side k. */
    protected abstract int windowSide();

    /** Whether one window covers the whole map (output [minibatch, C]); false by default. */
    protected boolean globalWindow() {
        return false;
    }

    /** Output channels per input channel: 1 (a pooling) by default, k² for down-sampling. */
    protected long channelFactor() {
        return 1;
    }

    /** What k is called in messages ("kernel size" by default). */
    protected String windowName() {
        return "kernel size";
    }

    @Override
    protected boolean supportsChannelsLast() {
        return true;
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        InputType.InputTypeConvolutional c = convolutional(inputType);
        if (globalWindow()) {
            return InputType.feedForward(c.getChannels() * channelFactor());
        }
        requireTiling(c.getHeight(), c.getWidth());
        int k = windowSide();
        return InputType.convolutional(c.getHeight() / k, c.getWidth() / k, c.getChannels() * channelFactor(),
                c.getFormat());
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        super.setNIn(inputType, override);
        if (!globalWindow()) {
            requireTiling(height, width);
        }
    }

    private void requireTiling(long h, long w) {
        int k = windowSide();
        if (h % k != 0 || w % k != 0) {
            throw new IllegalArgumentException(describe() + ": input " + h + "x" + w + " is not a multiple of the "
                    + windowName() + " " + k + "; pixels would be dropped. Crop or pad the input first.");
        }
    }
}
