package io.github.structnet.lipschitz;

import io.github.structnet.samediff.StructLayer;
import lombok.Data;
import lombok.EqualsAndHashCode;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.InputTypeUtil;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * Input handling shared by the convolutional layers of this package: NCHW inputs whose size C×H×W is part of the
 * configuration (inferred from the input type, flat convolutional types unflattened), and inputs of any other size
 * refused with a message naming the layer.
 */
@Data
@EqualsAndHashCode(callSuper = true)
public abstract class ConvolutionalStructLayer extends StructLayer {

    protected long channels;
    protected long height;
    protected long width;

    protected ConvolutionalStructLayer() {
        // for Jackson
    }

    protected ConvolutionalStructLayer(StructLayer.Builder<?> b, long channels, long height, long width) {
        super(b);
        this.channels = channels;
        this.height = height;
        this.width = width;
    }

    /** Why the input size is fixed, appended to the size error (empty by default). */
    protected String sizeReason() {
        return "";
    }

    @Override
    public void validateInput(INDArray input) {
        if (input.rank() != 4 || input.size(1) != channels || input.size(2) != height || input.size(3) != width) {
            throw new IllegalArgumentException(describe() + ": expected input [minibatch, " + channels + ", " + height
                    + ", " + width + "] (NCHW" + sizeReason() + "); got " + Arrays.toString(input.shape()));
        }
        super.validateInput(input);
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        InputType.InputTypeConvolutional c = convolutional(inputType);
        if (channels <= 0 || override) {
            channels = c.getChannels();
            height = c.getHeight();
            width = c.getWidth();
        }
    }

    /** The NCHW convolutional input type, or an error naming the layer. */
    protected InputType.InputTypeConvolutional convolutional(InputType inputType) {
        if (inputType instanceof InputType.InputTypeConvolutionalFlat f) {
            return (InputType.InputTypeConvolutional) InputType.convolutional(f.getHeight(), f.getWidth(), f.getDepth());
        }
        if (!(inputType instanceof InputType.InputTypeConvolutional c)) {
            throw new IllegalArgumentException(describe() + ": expected a convolutional input type (NCHW); got "
                    + inputType);
        }
        if (c.getFormat() != CNN2DFormat.NCHW) {
            throw new IllegalArgumentException(describe() + ": only NCHW inputs are supported; got " + c.getFormat());
        }
        return c;
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return InputTypeUtil.getPreProcessorForInputTypeCnnLayers(inputType, describe());
    }

    @Override
    public INDArray onesMaskForInput(INDArray input) {
        return Nd4j.ones(input.dataType(), input.size(0), 1, 1, 1);
    }
}
