package io.github.structnet.samediff;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Input types and masks of the convolutional StructNet layers. */
public final class ConvolutionalInputs {

    private ConvolutionalInputs() {
    }

    /**
     * The convolutional input type (a flat convolutional type unflattened), or an error naming the layer.
     *
     * @param channelsLast whether the layer takes NHWC inputs too
     * @param nchwOnly     appended to the error for an NHWC input the layer does not take: why, or what does
     */
    public static InputType.InputTypeConvolutional of(InputType inputType, boolean channelsLast, String nchwOnly,
                                                      String owner) {
        if (inputType instanceof InputType.InputTypeConvolutionalFlat f) {
            return (InputType.InputTypeConvolutional) InputType.convolutional(f.getHeight(), f.getWidth(),
                    f.getDepth());
        }
        if (!(inputType instanceof InputType.InputTypeConvolutional c)) {
            throw new IllegalArgumentException(owner + ": expected a convolutional input type; got " + inputType);
        }
        if (c.getFormat() != CNN2DFormat.NCHW && !channelsLast) {
            throw new IllegalArgumentException(owner + ": only NCHW inputs are supported; got " + c.getFormat() + " ("
                    + nchwOnly + ")");
        }
        return c;
    }

    /** The mask of a convolutional input [minibatch, …]: ones of shape [minibatch, 1, 1, 1]. */
    public static INDArray onesMask(INDArray input) {
        return Nd4j.ones(input.dataType(), input.size(0), 1, 1, 1);
    }
}
