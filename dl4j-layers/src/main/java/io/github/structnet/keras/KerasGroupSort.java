package io.github.structnet.keras;

import io.github.structnet.lipschitz.GroupSort;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.modelimport.keras.exceptions.InvalidKerasConfigurationException;
import org.deeplearning4j.nn.modelimport.keras.exceptions.UnsupportedKerasConfigurationException;

import java.util.Map;

/**
 * deel-lip's {@code GroupSort} (n), {@code GroupSort2} (n = 2) and {@code FullSort} (all channels), imported as
 * StructNet's {@link GroupSort}. As in deel-lip, a missing n or one larger than the channel count sorts all channels.
 */
public class KerasGroupSort extends ParameterFreeKerasLayer {

    private final int groupSize;

    /** Called by DL4J's Keras import for a layer registered with {@link DeelLipImport}. */
    public KerasGroupSort(Map<String, Object> layerConfig)
            throws InvalidKerasConfigurationException, UnsupportedKerasConfigurationException {
        super(layerConfig);
        String cls = deel.className();
        groupSize = cls.endsWith("GroupSort2") ? 2 : cls.endsWith("FullSort") ? 0 : deel.integer("n", 0);
        layer = build(groupSize);
    }

    private GroupSort build(int n) {
        GroupSort.Builder b = new GroupSort.Builder().name(layerName);
        return (n == 0 ? b.fullSort() : b.groupSize(n)).build();
    }

    @Override
    public InputType getOutputType(InputType... inputType) throws InvalidKerasConfigurationException {
        long channels = inputType.length == 1 ? channelsOf(inputType[0]) : -1;
        if (groupSize > channels && channels > 0) {
            layer = build(0);
        }
        return super.getOutputType(inputType);
    }

    private static long channelsOf(InputType t) {
        if (t instanceof InputType.InputTypeConvolutional c) {
            return c.getChannels();
        }
        return t instanceof InputType.InputTypeFeedForward f ? f.getSize() : -1;
    }
}
