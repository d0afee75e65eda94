package io.github.structnet.examples.pnp;

import io.github.structnet.lipschitz.ConvolutionalStructLayer;
import io.github.structnet.samediff.StructLayer;
import io.github.structnet.kernels.Convolutions;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.Map;

/**
 * An unconstrained k×k "same" convolution with bias and activation, σ(W ⋆ x + b), on inputs of any size: the
 * building block of the DnCNN baseline. Written as a SameDiff layer so that it runs on the same oneDNN convolution as
 * the gradient-flow blocks (DL4J's stock {@code ConvolutionLayer} is an order of magnitude slower on CPU), which keeps
 * the speed comparison about the architectures rather than the implementations. No Lipschitz guarantee.
 */
public class PlainConv2D extends ConvolutionalStructLayer {

    public static final String WEIGHT_KEY = "W";
    public static final String BIAS_KEY = "b";

    private long outputChannels;
    private int kernelSize;
    private Activation activation;

    private PlainConv2D() {
        // for Jackson
    }

    public PlainConv2D(long outputChannels, int kernelSize, Activation activation) {
        super(new Builder(), 0, 0, 0);
        if (outputChannels <= 0 || kernelSize <= 0 || kernelSize % 2 == 0) {
            throw new IllegalArgumentException("PlainConv2D: outputChannels must be positive and kernelSize odd; got "
                    + outputChannels + ", " + kernelSize);
        }
        this.outputChannels = outputChannels;
        this.kernelSize = kernelSize;
        this.activation = activation;
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> p, SDVariable mask) {
        SDVariable pre = Convolutions.apply(sd, x, p.get(WEIGHT_KEY), p.get(BIAS_KEY), kernelSize);
        return activation == Activation.IDENTITY ? pre : activation.asSameDiff(sd, pre);
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        params.addWeightParam(WEIGHT_KEY, kernelSize, kernelSize, channels, outputChannels);
        params.addBiasParam(BIAS_KEY, outputChannels);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        INDArray w = params.get(WEIGHT_KEY);
        double fanIn = (double) kernelSize * kernelSize * channels;
        w.assign(Nd4j.randn(w.dataType(), w.shape()).muli(Math.sqrt(2.0 / fanIn))); // He initialisation
        params.get(BIAS_KEY).assign(0);
    }

    public long getOutputChannels() {
        return outputChannels;
    }

    public int getKernelSize() {
        return kernelSize;
    }

    public Activation getActivation() {
        return activation;
    }

    /** Any height and width; only the channel count is fixed. */
    @Override
    public void validateInput(INDArray input) {
        if (input.rank() != 4 || input.size(1) != channels) {
            throw new IllegalArgumentException(describe() + ": expected input [minibatch, " + channels
                    + ", height, width] (NCHW); got " + Arrays.toString(input.shape()));
        }
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        InputType.InputTypeConvolutional c = convolutional(inputType);
        return InputType.convolutional(c.getHeight(), c.getWidth(), outputChannels);
    }

    /** Builder used only for the base class's common settings (name). */
    private static final class Builder extends StructLayer.Builder<Builder> {
        @Override
        @SuppressWarnings("unchecked")
        public PlainConv2D build() {
            throw new UnsupportedOperationException("use the PlainConv2D constructor");
        }
    }
}
