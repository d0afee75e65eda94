package io.github.structnet.keras;

import io.github.structnet.certify.LayerBound;
import io.github.structnet.certify.NetworkLipschitz;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.util.List;

/**
 * An imported Keras {@code Sequential} model: the network and the input type its file declares (NHWC for images,
 * as Keras' channels_last), which the certificate of size-dependent layers needs.
 *
 * @param network   the imported network, computing what the Keras model computes at inference
 * @param inputType the type of its inputs
 */
public record ImportedNetwork(MultiLayerNetwork network, InputType inputType) {

    /** The certified Lipschitz bound of the whole network, computed from its imported weights. */
    public double certifiedBound() {
        return NetworkLipschitz.upperBound(network, network.getnLayers() - 1, inputType);
    }

    /** The certificate layer by layer: each layer's bound, how it was obtained and the running product. */
    public List<LayerBound> breakdown() {
        return NetworkLipschitz.breakdown(network, network.getnLayers() - 1, inputType);
    }
}
