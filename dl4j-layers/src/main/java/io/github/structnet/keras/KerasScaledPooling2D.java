package io.github.structnet.keras;

import io.github.structnet.lipschitz.L2NormPooling2D;
import io.github.structnet.lipschitz.ScaledAveragePooling2D;
import org.deeplearning4j.nn.modelimport.keras.exceptions.InvalidKerasConfigurationException;
import org.deeplearning4j.nn.modelimport.keras.exceptions.UnsupportedKerasConfigurationException;

import java.util.Map;

/**
 * deel-lip's scaled poolings, imported as StructNet layers: {@code ScaledAveragePooling2D} (k × mean of k×k windows)
 * and {@code ScaledGlobalAveragePooling2D} (√(HW) × mean) as {@link ScaledAveragePooling2D};
 * {@code ScaledL2NormPooling2D} and {@code ScaledGlobalL2NormPooling2D} (window norms) as {@link L2NormPooling2D}.
 * Windows must be square with stride = window and 'valid' padding, as deel-lip requires.
 */
public class KerasScaledPooling2D extends ParameterFreeKerasLayer {

    /** Called by DL4J's Keras import for a layer registered with {@link DeelLipImport}. */
    public KerasScaledPooling2D(Map<String, Object> layerConfig)
            throws InvalidKerasConfigurationException, UnsupportedKerasConfigurationException {
        super(layerConfig);
        String cls = deel.className();
        boolean global = cls.contains("Global");
        boolean l2 = cls.contains("L2Norm");
        if (global && deel.bool("keepdims", false)) {
            throw new UnsupportedKerasConfigurationException(deel.describe() + ": keepdims = true is not supported;"
                    + " false is");
        }
        int k = global ? 1 : deel.square("pool_size", 2);
        if (!global) {
            int stride = deel.square("strides", k);
            String padding = deel.string("padding", "valid");
            if (stride != k || !"valid".equals(padding)) {
                throw new UnsupportedKerasConfigurationException(deel.describe() + ": strides " + stride
                        + " and padding " + padding + " are not supported; strides = pool_size and 'valid' are");
            }
        }
        layer = l2 ? new L2NormPooling2D.Builder().name(layerName).kernelSize(k).global(global).build()
                : new ScaledAveragePooling2D.Builder().name(layerName).kernelSize(k).global(global).build();
    }
}
