package io.github.structnet.samediff;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.util.ArrayList;
import java.util.List;

/**
 * Repairs the state of every StructNet layer and vertex of a network after its parameters were changed from outside
 * ({@link StructuredParameters#repairState}): after parameter averaging across workers, a power-iteration vector is
 * an average of unit vectors — shorter than 1, or nearly zero if the copies disagreed in sign — and is restored to
 * unit norm or re-derived from the averaged weights. Weights are never changed.
 */
public final class StateRepair {

    /**
     * What a repair did.
     *
     * @param checked   the layers and vertices with state
     * @param rederived the ones whose state had to be re-derived from the weights (by name)
     */
    public record Report(int checked, List<String> rederived) {
    }

    private StateRepair() {
    }

    /**
     * Repairs the state of a {@link MultiLayerNetwork} or {@link ComputationGraph} in place.
     *
     * @throws IllegalArgumentException for other models
     */
    public static Report repair(Model model) {
        List<NetworkLayers.Entry> layers;
        try {
            layers = NetworkLayers.of(model);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("StateRepair: " + e.getMessage(), e);
        }
        List<String> rederived = new ArrayList<>();
        int checked = 0;
        for (NetworkLayers.Entry layer : layers) {
            if (layer.configuration() instanceof StructuredParameters s && !s.stateParameterKeys().isEmpty()) {
                checked++;
                if (s.repairState(layer.parameters())) {
                    rederived.add(s.describe());
                }
            }
        }
        return new Report(checked, List.copyOf(rederived));
    }
}
