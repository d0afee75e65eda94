package io.github.structnet.ode;

import io.github.structnet.samediff.LayerBuilder;

/**
 * Builder settings of a layer that takes a step h: its initial (or fixed) value and whether it is trained. A fixed
 * step is kept as state: saved with the model, never updated.
 *
 * @param <T> the concrete builder, for fluent setters
 */
@SuppressWarnings("unchecked")
public abstract class StepLayerBuilder<T extends StepLayerBuilder<T>> extends LayerBuilder<T> {
    private double step;
    private boolean trainableStep;

    /** The defaults of the layer: its step h and whether h is trained. */
    protected StepLayerBuilder(double step, boolean trainableStep) {
        this.step = step;
        this.trainableStep = trainableStep;
    }

    /** Initial (or fixed) step h &gt; 0. */
    public T step(double step) {
        this.step = step;
        return (T) this;
    }

    /** Whether h is trained or fixed. */
    public T trainableStep(boolean trainableStep) {
        this.trainableStep = trainableStep;
        return (T) this;
    }

    public double getStep() {
        return step;
    }

    public boolean isTrainableStep() {
        return trainableStep;
    }

    /** Checks the step: 0 &lt; h &lt; ∞. */
    protected void validateStep() {
        Steps.requireStep(step, owner());
    }
}
