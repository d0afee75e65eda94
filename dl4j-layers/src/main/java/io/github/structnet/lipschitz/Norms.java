package io.github.structnet.lipschitz;

/**
 * The floor the 1-Lipschitz layers add to a norm before dividing by it, and the Lipschitz bound of a normalised
 * linear map (internal).
 */
final class Norms {

    /**
     * Added to σ (normalised maps) or to σ² (gradient-flow steps) so that W = 0 keeps the layer finite; dividing by
     * more than the norm only lowers the gain.
     */
    static final double FLOOR = 1e-12;

    private Norms() {
    }

    /**
     * The Lipschitz bound of x ↦ (W / (σ + floor)) x for a sound bound {@code operatorNorm} ≥ ‖W‖₂ and the normaliser
     * σ the layer divides by: ‖W‖₂ / (σ + floor) ≤ operatorNorm / (σ + floor).
     */
    static double normalisedMap(double operatorNorm, double sigma) {
        return operatorNorm / (sigma + FLOOR);
    }

    /**
     * The σ a spectrally normalised layer divides by at inference: its power-iteration estimate ‖A v̂‖ lifted to the
     * certified bound B ≥ ‖A‖ when that is larger, as the graph's scale placeholder c = max(1, B / ‖A v̂‖) makes it
     * (the estimate itself when it is 0).
     */
    static double atInference(double estimate, double bound) {
        return estimate > 0 ? estimate * Math.max(1.0, bound / estimate) : estimate;
    }
}
