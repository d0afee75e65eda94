package io.github.structnet.lipschitz;

import io.github.structnet.samediff.ConvolutionalInputs;
import io.github.structnet.samediff.StructLayer;
import lombok.Data;
import lombok.EqualsAndHashCode;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.InputTypeUtil;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * Input handling shared by the convolutional layers of this package: inputs whose size C×H×W is part of the
 * configuration (inferred from the input type, flat convolutional types unflattened), and inputs of any other size
 * refused with a message naming the layer. The layout is NCHW, or NHWC (channels last) for the layers that
 * {@linkplain #supportsChannelsLast support it}, taken from the input type like DL4J's own convolution layers do.
 */
@Data
@EqualsAndHashCode(callSuper = true)
public abstract class ConvolutionalStructLayer extends StructLayer {

    protected long channels;
    protected long height;
    protected long width;
    /** The layout of inputs and outputs; NCHW unless the input type says NHWC (absent from older JSON: NCHW). */
    protected CNN2DFormat dataFormat = CNN2DFormat.NCHW;

    protected ConvolutionalStructLayer() {
        // for Jackson
    }

    protected ConvolutionalStructLayer(StructLayer.Builder<?> b, long channels, long height, long width) {
        super(b);
        this.channels = channels;
        this.height = height;
        this.width = width;
    }

    /** Checks the input size before the parameters are declared (it is inferred from the input type when not set). */
    protected void requireGeometry() {
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException(describe() + ": input channels and size must be positive (set them or"
                    + " let setInputType infer them); got " + channels + "x" + height + "x" + width);
        }
    }

    /**
     * A builder's check of an odd positive kernel size and of an input size that is positive or not yet set (0,
     * inferred from the input type).
     */
    protected static void requireKernelAndInputSize(int kernelSize, long channels, long height, long width,
                                                    String owner) {
        if (kernelSize <= 0 || kernelSize % 2 == 0) {
            throw new IllegalArgumentException(owner + ": kernelSize must be odd and positive (\"same\" padding is"
                    + " symmetric only for odd kernels); got " + kernelSize);
        }
        if (channels < 0 || height < 0 || width < 0) {
            throw new IllegalArgumentException(owner + ": input size must be positive; got " + channels + "x" + height
                    + "x" + width);
        }
    }

    /** Why the input size is fixed, appended to the size error (empty by default). */
    protected String sizeReason() {
        return "";
    }

    /** Whether the layer runs on NHWC inputs too (false by default: NCHW only, NHWC refused by name). */
    protected boolean supportsChannelsLast() {
        return false;
    }

    /** The input shape [minibatch, C, H, W] or [minibatch, H, W, C] of this layer's layout. */
    protected long[] inputShape(long minibatch) {
        return shapeOf(minibatch, channels, height, width);
    }

    /** An activation shape in this layer's layout, from its sizes. */
    protected long[] shapeOf(long minibatch, long c, long h, long w) {
        return dataFormat == CNN2DFormat.NHWC ? new long[]{minibatch, h, w, c} : new long[]{minibatch, c, h, w};
    }

    @Override
    public void validateInput(INDArray input) {
        if (input.rank() != 4 || !Arrays.equals(input.shape(), inputShape(input.size(0)))) {
            String expected = dataFormat == CNN2DFormat.NHWC
                    ? "[minibatch, " + height + ", " + width + ", " + channels + "]"
                    : "[minibatch, " + channels + ", " + height + ", " + width + "]";
            throw new IllegalArgumentException(describe() + ": expected input " + expected + " (" + dataFormat
                    + sizeReason() + "); got " + Arrays.toString(input.shape()));
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
            dataFormat = c.getFormat();
        }
    }

    /** The output type for {@code outChannels} channels at the input's resolution and layout. */
    protected InputType sameResolution(InputType inputType, long outChannels) {
        InputType.InputTypeConvolutional c = convolutional(inputType);
        return InputType.convolutional(c.getHeight(), c.getWidth(), outChannels, c.getFormat());
    }

    /** The convolutional input type (NCHW, or NHWC where supported), or an error naming the layer. */
    protected InputType.InputTypeConvolutional convolutional(InputType inputType) {
        return ConvolutionalInputs.of(inputType, supportsChannelsLast(),
                "GradientFlowConv2D, SpectralConv2D, AolConv2D, SllConv2D, SkewOrthogonalConv2D and the pooling layers"
                        + " also take NHWC",
                describe());
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return InputTypeUtil.getPreProcessorForInputTypeCnnLayers(inputType, describe());
    }

    @Override
    public INDArray onesMaskForInput(INDArray input) {
        return ConvolutionalInputs.onesMask(input);
    }
}
