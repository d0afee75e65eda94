package io.github.structnet.keras;

import org.deeplearning4j.nn.modelimport.keras.exceptions.InvalidKerasConfigurationException;
import org.deeplearning4j.nn.modelimport.keras.exceptions.UnsupportedKerasConfigurationException;
import org.deeplearning4j.nn.modelimport.keras.layers.core.KerasDense;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * deel-lip's {@code SpectralDense} and {@code FrobeniusDense}, imported as DL4J {@code DenseLayer}s carrying the
 * kernel deel-lip runs at inference (see {@link InferenceKernel}): y = act(x · W̄ + b). The layer's Lipschitz
 * constant is whatever W̄ has; {@code NetworkLipschitz} bounds it from the imported weights.
 */
public class KerasLipschitzDense extends KerasDense {

    private final LayerConfig deel;

    /** Called by DL4J's Keras import for a layer registered with {@link DeelLipImport}. */
    public KerasLipschitzDense(Map<String, Object> layerConfig)
            throws InvalidKerasConfigurationException, UnsupportedKerasConfigurationException {
        super(LayerConfig.forDl4jReader(layerConfig), false);
        this.deel = new LayerConfig(layerConfig);
    }

    @Override
    public void setWeights(Map<String, INDArray> weights) throws InvalidKerasConfigurationException {
        INDArray kernel = InferenceKernel.stored(deel, weights);
        if (kernel == null) {
            double coef = deel.number("k_coef_lip", 1.0);
            kernel = deel.className().endsWith("FrobeniusDense")
                    ? InferenceKernel.frobenius(deel, weights, deel.bool("disjoint_neurons", true), coef)
                    : InferenceKernel.spectral(deel, weights, coef);
        }
        super.setWeights(InferenceKernel.plain(kernel, weights));
    }
}
