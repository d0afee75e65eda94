package io.github.structnet.wasserstein;

import io.github.structnet.certify.NetworkLipschitz;
import io.github.structnet.lipschitz.LipschitzBounded;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/** Checks that a network is a Wasserstein critic: certified layers ending in a Kantorovich–Rubinstein loss. */
final class Critics {

    private Critics() {
    }

    /**
     * The index of the critic's last layer before its loss layer.
     *
     * @param certified whether the critic must be 1-Lipschitz by construction: every layer with parameters certifies
     *                  its bound ({@link LipschitzBounded}) and the network's bound ({@link NetworkLipschitz}) is at
     *                  most 1 (+ 1e-6 for rounding)
     * @throws IllegalArgumentException naming the offending layer
     */
    static int requireCritic(MultiLayerNetwork critic, boolean certified, String owner) {
        Layer last = critic.getOutputLayer().conf().getLayer();
        if (!(last instanceof LossLayer loss) || !(loss.getLossFn() instanceof KantorovichRubinstein)) {
            throw new IllegalArgumentException(owner + ": the critic must end in a LossLayer with a"
                    + " KantorovichRubinstein loss; it ends in " + last.getClass().getSimpleName());
        }
        int lastCriticLayer = critic.getnLayers() - 2;
        if (lastCriticLayer < 0) {
            throw new IllegalArgumentException(owner + ": the critic has no layer before its loss layer");
        }
        if (certified) {
            for (int i = 0; i <= lastCriticLayer; i++) {
                Layer layer = critic.getLayer(i).conf().getLayer();
                if (!(layer instanceof LipschitzBounded) && critic.getLayer(i).numParams() > 0) {
                    throw new IllegalArgumentException(owner + ": critic layer " + i + " ("
                            + layer.getClass().getSimpleName() + (layer.getLayerName() == null ? ""
                            : " '" + layer.getLayerName() + "'") + ") is not certified 1-Lipschitz; build the critic"
                            + " from StructNet's certified layers (SpectralDense, GradientFlowDense, ...)");
                }
            }
            double bound = NetworkLipschitz.upperBound(critic, lastCriticLayer);
            if (bound > 1 + 1e-6) {
                throw new IllegalArgumentException(owner + ": the critic's certified Lipschitz bound is " + bound
                        + "; a Wasserstein critic must be 1-Lipschitz (check its parameter-free layers)");
            }
        }
        return lastCriticLayer;
    }
}
