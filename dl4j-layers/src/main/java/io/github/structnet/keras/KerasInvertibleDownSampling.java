package io.github.structnet.keras;

import io.github.structnet.lipschitz.InvertibleDownsampling;
import org.deeplearning4j.nn.modelimport.keras.exceptions.InvalidKerasConfigurationException;
import org.deeplearning4j.nn.modelimport.keras.exceptions.UnsupportedKerasConfigurationException;

import java.util.Map;

/** deel-lip's {@code InvertibleDownSampling}, imported as StructNet's {@link InvertibleDownsampling} (same order). */
public class KerasInvertibleDownSampling extends ParameterFreeKerasLayer {

    /** Called by DL4J's Keras import for a layer registered with {@link DeelLipImport}. */
    public KerasInvertibleDownSampling(Map<String, Object> layerConfig)
            throws InvalidKerasConfigurationException, UnsupportedKerasConfigurationException {
        super(layerConfig);
        layer = new InvertibleDownsampling.Builder().name(layerName).blockSize(deel.square("pool_size", 2)).build();
    }
}
