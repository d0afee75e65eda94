package io.github.structnet.lipschitz;

import io.github.structnet.samediff.LayerBuilder;

/**
 * Builder settings shared by the spectrally normalised layers (dense and convolutional): power-iteration steps per
 * training iteration and at initialisation, and the layer's name for messages.
 */
@SuppressWarnings("unchecked")
public abstract class NormalisedLayerBuilder<T extends NormalisedLayerBuilder<T>> extends LayerBuilder<T> {
    protected int powerIterations = 1;
    protected int initPowerIterations = 50;

    /** Power-iteration steps per training iteration (≥ 0; 0 freezes the vector). */
    public T powerIterations(int powerIterations) {
        this.powerIterations = powerIterations;
        return (T) this;
    }

    /** Power-iteration steps at initialisation (≥ 1). */
    public T initPowerIterations(int initPowerIterations) {
        this.initPowerIterations = initPowerIterations;
        return (T) this;
    }

    /** Checks the shared settings. */
    protected void validate() {
        DenseLayerSupport.requirePowerIterations(powerIterations, initPowerIterations, owner());
    }

    /** Checks the fraction s ∈ (0, 1] of the largest non-expansive gradient-flow step. */
    protected void requireSafetyFraction(double safetyFraction) {
        if (!(safetyFraction > 0 && safetyFraction <= 1)) {
            throw new IllegalArgumentException(owner() + ": safetyFraction must be in (0, 1]; got " + safetyFraction);
        }
    }
}
