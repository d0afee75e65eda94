package io.github.structnet.lipschitz;

import io.github.structnet.samediff.StructuredParameters;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.samediff.AbstractSameDiffLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;

/**
 * Moving a trained fully convolutional network to another input size. The convolutional 1-Lipschitz layers are
 * normalised by their operator norm <i>on their configured input size</i> and refuse other sizes; a denoiser trained
 * on 40×40 patches is applied to a 128×128 image by rebuilding it for 128×128 with the same weights. The guarantee
 * carries over because each layer recomputes its sound bound for the new size at inference.
 */
public final class InputSizes {

    private InputSizes() {
    }

    /**
     * A new network with the configuration of {@code trained} re-inferred from {@code inputType}, and the same
     * trainable parameters. State parameters (power-iteration vectors), whose shape depends on the size, are
     * re-derived from the copied weights.
     *
     * @throws IllegalArgumentException when a trainable parameter's shape depends on the input size (a dense layer
     *                                  after flattening, for example), naming the layer and parameter
     */
    public static MultiLayerNetwork resize(MultiLayerNetwork trained, InputType inputType) {
        MultiLayerConfiguration conf = MultiLayerConfiguration.fromJson(trained.getLayerWiseConfigurations().toJson());
        InputType type = inputType;
        for (int i = 0; i < conf.getConfs().size(); i++) {
            InputPreProcessor pre = conf.getInputPreProcess(i);
            if (pre != null) {
                type = pre.getOutputType(type);
            }
            Layer layer = conf.getConf(i).getLayer();
            layer.setNIn(type, true);
            if (layer instanceof AbstractSameDiffLayer sameDiff) {
                sameDiff.setLayerParams(null); // parameter shapes are cached; re-derive them for the new size
            }
            type = layer.getOutputType(i, type);
        }
        MultiLayerNetwork resized = new MultiLayerNetwork(conf);
        resized.init();
        for (int i = 0; i < conf.getConfs().size(); i++) {
            Layer layer = conf.getConf(i).getLayer();
            Set<String> state = layer instanceof StructuredParameters s ? s.stateParameterKeys() : Set.of();
            Map<String, INDArray> to = resized.getLayer(i).paramTable();
            Map<String, INDArray> from = trained.getLayer(i).paramTable();
            for (Map.Entry<String, INDArray> e : to.entrySet()) {
                if (state.contains(e.getKey())) {
                    continue;
                }
                INDArray source = from.get(e.getKey());
                if (source == null || !Arrays.equals(source.shape(), e.getValue().shape())) {
                    throw new IllegalArgumentException("InputSizes.resize: parameter '" + e.getKey() + "' of layer " + i
                            + " (" + layer.getClass().getSimpleName() + ") has shape "
                            + Arrays.toString(e.getValue().shape()) + " for input " + inputType + " but "
                            + (source == null ? "does not exist" : Arrays.toString(source.shape()))
                            + " in the trained network; only size-independent weights can be moved");
                }
                e.getValue().assign(source);
            }
            if (layer instanceof StructuredParameters s) {
                s.initialiseState(to);
            }
        }
        return resized;
    }
}
