package io.github.structnet.keras;

import io.github.structnet.lipschitz.ConcatenatedRelu;
import org.deeplearning4j.nn.modelimport.keras.exceptions.InvalidKerasConfigurationException;
import org.deeplearning4j.nn.modelimport.keras.exceptions.UnsupportedKerasConfigurationException;

import java.util.Map;

/**
 * deel-lip's {@code MaxMin}, which is [max(x, 0), max(−x, 0)] along the channels (twice the channels), imported as
 * StructNet's {@link ConcatenatedRelu}. (StructNet's own {@code MaxMin} activation is GroupSort with groups of 2.)
 */
public class KerasMaxMin extends ParameterFreeKerasLayer {

    /** Called by DL4J's Keras import for a layer registered with {@link DeelLipImport}. */
    public KerasMaxMin(Map<String, Object> layerConfig)
            throws InvalidKerasConfigurationException, UnsupportedKerasConfigurationException {
        super(layerConfig);
        layer = new ConcatenatedRelu.Builder().name(layerName).build();
    }
}
