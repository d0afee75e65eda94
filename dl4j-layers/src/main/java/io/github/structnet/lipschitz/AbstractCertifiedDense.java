package io.github.structnet.lipschitz;

import io.github.structnet.samediff.LayerBuilder;
import io.github.structnet.samediff.StructLayer;
import io.github.structnet.spectral.BoundCache;
import lombok.Data;
import lombok.EqualsAndHashCode;
import lombok.ToString;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonIgnore;

import java.util.function.DoubleSupplier;

/**
 * What the dense 1-Lipschitz layers without power-iteration state share ({@link AolDense}, {@link SllDense},
 * {@link NormalizedRowsDense}): their normalisation is part of the formula, so their certificate is computed from the
 * weights once and cached per bit-exact copy of them; nIn and feed-forward input handling.
 */
@Data
@EqualsAndHashCode(callSuper = true)
public abstract class AbstractCertifiedDense extends StructLayer implements LipschitzBounded {

    protected long nIn;

    @JsonIgnore
    @EqualsAndHashCode.Exclude
    @ToString.Exclude
    private transient BoundCache boundCache;

    protected AbstractCertifiedDense() {
        // for Jackson
    }

    protected AbstractCertifiedDense(Builder<?> b) {
        super(b);
        this.nIn = b.nIn;
    }

    /** The number of outputs. */
    protected abstract long outputSize();

    /**
     * The certificate for {@code parameters} (the arrays it depends on, as one array), from the cache when they are
     * bit-exactly those of the last call, else from {@code compute}.
     */
    protected double cachedBound(INDArray parameters, String kind, DoubleSupplier compute) {
        BoundCache cache;
        synchronized (this) {
            if (boundCache == null) {
                boundCache = new BoundCache();
            }
            cache = boundCache;
        }
        return cache.get(parameters, kind, compute);
    }

    @Override
    public void validateInput(INDArray input) {
        DenseLayerSupport.requireShape(input, nIn, describe());
        super.validateInput(input);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        DenseLayerSupport.featuresOf(inputType, describe());
        return InputType.feedForward(outputSize());
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        if (nIn <= 0 || override) {
            nIn = DenseLayerSupport.featuresOf(inputType, describe());
        }
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return DenseLayerSupport.preProcessor(inputType, describe());
    }

    /** Checks nIn before the parameters are declared (it is inferred from the input type when not set). */
    protected void requireInputSize() {
        DenseLayerSupport.requirePositive(nIn, "nIn (set it or let setInputType infer it)", describe());
    }

    /** The shared builder setting: nIn. */
    @SuppressWarnings("unchecked")
    public abstract static class Builder<T extends Builder<T>> extends LayerBuilder<T> {
        private long nIn;

        /** Number of input features. Inferred from the input type when not set. */
        public T nIn(long nIn) {
            DenseLayerSupport.requirePositive(nIn, "nIn", owner());
            this.nIn = nIn;
            return (T) this;
        }
    }
}
