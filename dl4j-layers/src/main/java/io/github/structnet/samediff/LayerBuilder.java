package io.github.structnet.samediff;

import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;

/**
 * The builder every StructNet layer's builder extends: DL4J's SameDiff layer builder and the layer's name for
 * messages.
 *
 * @param <T> the concrete builder, for fluent setters
 */
public abstract class LayerBuilder<T extends LayerBuilder<T>> extends SameDiffLayer.Builder<T> {

    /** "GradientFlowDense 'name'" (the enclosing layer class and the name, if set), for messages. */
    protected String owner() {
        return StructuredParameters.describe(getClass().getEnclosingClass(), layerName);
    }
}
