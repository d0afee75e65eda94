package io.github.structnet.keras;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.modelimport.keras.exceptions.InvalidKerasConfigurationException;
import org.deeplearning4j.nn.modelimport.keras.exceptions.UnsupportedKerasConfigurationException;
import org.deeplearning4j.nn.modelimport.keras.layers.convolutional.KerasConvolution2D;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * deel-lip's {@code SpectralConv2D} and {@code FrobeniusConv2D}, imported as DL4J {@code ConvolutionLayer}s
 * ('same' padding, channels last) carrying the kernel deel-lip runs at inference (see {@link InferenceKernel}),
 * which includes deel-lip's padding coefficient. The layer's Lipschitz constant is whatever that kernel has as a
 * convolution; {@code NetworkLipschitz} bounds it from the imported weights.
 */
public class KerasLipschitzConv2D extends KerasConvolution2D {

    private final LayerConfig deel;
    private long inputHeight;
    private long inputWidth;

    /** Called by DL4J's Keras import for a layer registered with {@link DeelLipImport}. */
    public KerasLipschitzConv2D(Map<String, Object> layerConfig)
            throws InvalidKerasConfigurationException, UnsupportedKerasConfigurationException {
        super(LayerConfig.forDl4jReader(layerConfig), false);
        this.deel = new LayerConfig(layerConfig);
    }

    @Override
    public InputType getOutputType(InputType... inputType) throws InvalidKerasConfigurationException {
        if (inputType.length == 1 && inputType[0] instanceof InputType.InputTypeConvolutional c) {
            inputHeight = c.getHeight();
            inputWidth = c.getWidth();
        }
        return super.getOutputType(inputType);
    }

    @Override
    public void setWeights(Map<String, INDArray> weights) throws InvalidKerasConfigurationException {
        INDArray kernel = InferenceKernel.stored(deel, weights);
        if (kernel == null) {
            int k;
            int stride;
            try {
                k = deel.square("kernel_size", 3);
                stride = deel.square("strides", 1);
            } catch (UnsupportedKerasConfigurationException e) {
                throw new InvalidKerasConfigurationException(e.getMessage());
            }
            double coef = deel.number("k_coef_lip", 1.0)
                    * InferenceKernel.convolutionCoefficient(k, stride, inputHeight, inputWidth);
            kernel = deel.className().endsWith("FrobeniusConv2D")
                    ? InferenceKernel.frobenius(deel, weights, false, coef)
                    : InferenceKernel.spectral(deel, weights, coef);
        }
        super.setWeights(InferenceKernel.plain(kernel, weights));
    }
}
