package io.github.structnet.lipschitz;

import io.github.structnet.samediff.ConvolutionalInputs;
import io.github.structnet.samediff.StructLayer;
import lombok.Data;
import lombok.EqualsAndHashCode;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.Map;

/**
 * A parameter-free activation acting along the channel (feature) axis, on feed-forward inputs [minibatch, d] and on
 * convolutional inputs in either layout ([minibatch, C, H, W] or [minibatch, H, W, C], taken from the input type).
 * The shape is part of the configuration, inferred from the input type; other shapes are refused by name.
 */
@Data
@EqualsAndHashCode(callSuper = true)
public abstract class ChannelActivationLayer extends StructLayer implements LipschitzBounded {

    /** The per-example input shape: [d], [C, H, W] (NCHW) or [H, W, C] (NHWC). */
    protected long[] exampleShape;
    /** The layout of convolutional inputs (NCHW for feed-forward ones, where it is not used). */
    protected CNN2DFormat dataFormat = CNN2DFormat.NCHW;

    protected ChannelActivationLayer() {
        // for Jackson
    }

    protected ChannelActivationLayer(StructLayer.Builder<?> b) {
        super(b);
    }

    /** The number of channels (features) the activation acts on. */
    protected long channels() {
        return exampleShape.length == 1 || dataFormat == CNN2DFormat.NCHW ? exampleShape[0] : exampleShape[2];
    }

    /** The axis of the channels in [minibatch, …]: 1, or 3 for NHWC. */
    protected int channelAxis() {
        return exampleShape.length == 3 && dataFormat == CNN2DFormat.NHWC ? 3 : 1;
    }

    /** Checks the channel count when the input type is set (a subclass's divisibility rule, say). */
    protected abstract void checkChannels(long channels);

    /** The output channel count for the given input channel count. */
    protected long outputChannels(long channels) {
        return channels;
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        if (exampleShape != null && !override) {
            return;
        }
        if (inputType instanceof InputType.InputTypeFeedForward f) {
            exampleShape = new long[]{f.getSize()};
        } else if (inputType instanceof InputType.InputTypeConvolutional c) {
            dataFormat = c.getFormat();
            exampleShape = dataFormat == CNN2DFormat.NHWC
                    ? new long[]{c.getHeight(), c.getWidth(), c.getChannels()}
                    : new long[]{c.getChannels(), c.getHeight(), c.getWidth()};
        } else {
            throw new IllegalArgumentException(describe() + ": expected a feed-forward or convolutional input type;"
                    + " got " + inputType);
        }
        checkChannels(channels());
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        if (inputType instanceof InputType.InputTypeFeedForward f) {
            checkChannels(f.getSize());
            return InputType.feedForward(outputChannels(f.getSize()));
        }
        if (inputType instanceof InputType.InputTypeConvolutional c) {
            checkChannels(c.getChannels());
            return InputType.convolutional(c.getHeight(), c.getWidth(), outputChannels(c.getChannels()),
                    c.getFormat());
        }
        throw new IllegalArgumentException(describe() + ": expected a feed-forward or convolutional input type; got "
                + inputType);
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    @Override
    public void validateInput(INDArray input) {
        long[] expected = new long[exampleShape.length + 1];
        expected[0] = input.size(0);
        System.arraycopy(exampleShape, 0, expected, 1, exampleShape.length);
        if (!Arrays.equals(input.shape(), expected)) {
            throw new IllegalArgumentException(describe() + ": expected input [minibatch, "
                    + Arrays.toString(exampleShape).replaceAll("[\\[\\]]", "") + "] (" + (exampleShape.length == 1
                    ? "feed-forward" : dataFormat.toString()) + "); got " + Arrays.toString(input.shape()));
        }
        super.validateInput(input);
    }

    @Override
    public INDArray onesMaskForInput(INDArray input) {
        return input.rank() == 4 ? ConvolutionalInputs.onesMask(input) : Nd4j.ones(input.dataType(), input.size(0), 1);
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        // no parameters
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        // no parameters
    }
}
