package io.github.structnet.keras;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.modelimport.keras.KerasLayer;
import org.deeplearning4j.nn.modelimport.keras.exceptions.InvalidKerasConfigurationException;
import org.deeplearning4j.nn.modelimport.keras.exceptions.UnsupportedKerasConfigurationException;

import java.util.Map;

/** A deel-lip layer without weights, imported as the StructNet layer a subclass builds (internal base). */
abstract class ParameterFreeKerasLayer extends KerasLayer {

    protected final LayerConfig deel;

    protected ParameterFreeKerasLayer(Map<String, Object> layerConfig)
            throws InvalidKerasConfigurationException, UnsupportedKerasConfigurationException {
        super(layerConfig);
        this.deel = new LayerConfig(layerConfig);
        deel.requireUnitCoefficient();
        deel.requireChannelsLast();
    }

    @Override
    public InputType getOutputType(InputType... inputType) throws InvalidKerasConfigurationException {
        if (inputType.length != 1) {
            throw new InvalidKerasConfigurationException(deel.describe() + ": takes one input; got "
                    + inputType.length);
        }
        return layer.getOutputType(-1, inputType[0]);
    }

    @Override
    public int getNumParams() {
        return 0;
    }
}
