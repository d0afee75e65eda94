package io.github.structnet.lipschitz;

import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.RnnToFeedForwardPreProcessor;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Input handling shared by the dense StructNet layers (internal). */
final class DenseLayerSupport {

    private DenseLayerSupport() {
    }

    /** The number of features of a feed-forward (or flattenable) input type. */
    static long featuresOf(InputType inputType, String owner) {
        if (inputType == null) {
            throw new IllegalArgumentException(owner + ": input type is null");
        }
        long n = inputType.arrayElementsPerExample();
        if (n <= 0) {
            throw new IllegalArgumentException(owner + ": cannot infer the number of input features from input type "
                    + inputType);
        }
        return n;
    }

    /** Feed-forward needs none; convolutional inputs are flattened (an isometry); recurrent ones per step. */
    static InputPreProcessor preProcessor(InputType inputType, String owner) {
        switch (inputType.getType()) {
            case FF:
            case CNNFlat:
                return null;
            case CNN: {
                InputType.InputTypeConvolutional c = (InputType.InputTypeConvolutional) inputType;
                return new CnnToFeedForwardPreProcessor(c.getHeight(), c.getWidth(), c.getChannels(), c.getFormat());
            }
            case RNN:
                return new RnnToFeedForwardPreProcessor(((InputType.InputTypeRecurrent) inputType).getFormat());
            default:
                throw new IllegalArgumentException(owner + ": unsupported input type " + inputType
                        + "; allowed are feed-forward, convolutional (flattened) and recurrent inputs");
        }
    }

    /** Rejects inputs that are not [minibatch, nIn]. */
    static void requireShape(INDArray input, long nIn, String owner) {
        if (input.rank() != 2 || input.size(1) != nIn) {
            throw new IllegalArgumentException(owner + ": expected input of shape [minibatch, " + nIn + "] (nIn = "
                    + nIn
                    + "); got " + java.util.Arrays.toString(input.shape()));
        }
    }

    static void requirePositive(long value, String name, String owner) {
        if (value <= 0) {
            throw new IllegalArgumentException(owner + ": " + name + " must be positive; got " + value);
        }
    }

    static void requirePowerIterations(int perStep, int atInit, String owner) {
        if (perStep < 0) {
            throw new IllegalArgumentException(owner + ": powerIterations must be >= 0; got " + perStep);
        }
        if (atInit < 1) {
            throw new IllegalArgumentException(owner + ": initPowerIterations must be >= 1; got " + atInit);
        }
    }
}
