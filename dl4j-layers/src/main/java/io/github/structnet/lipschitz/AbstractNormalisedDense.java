package io.github.structnet.lipschitz;

import io.github.structnet.spectral.BoundCache;
import io.github.structnet.spectral.GramIteration;
import lombok.ToString;
import org.nd4j.shade.jackson.annotation.JsonIgnore;

import io.github.structnet.samediff.StructLayer;
import io.github.structnet.spectral.SpectralNormState;
import lombok.Data;
import lombok.EqualsAndHashCode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * What the dense 1-Lipschitz layers share: a weight W [rows, nIn] whose spectral norm σ_W normalises the layer
 * ({@link SpectralNormState}: power-iteration estimate while training, Gram-iteration bound at inference), the
 * power-iteration vector {@value #VECTOR_KEY} as saved state, and feed-forward input handling.
 */
@Data
@EqualsAndHashCode(callSuper = true)
public abstract class AbstractNormalisedDense extends StructLayer implements LipschitzBounded, PowerIterationVector {

    public static final String WEIGHT_KEY = "W";
    public static final String BIAS_KEY = "b";

    protected long nIn;

    @JsonIgnore
    @EqualsAndHashCode.Exclude
    @ToString.Exclude
    private transient BoundCache boundCache;
    protected int powerIterations;
    protected int initPowerIterations;

    protected AbstractNormalisedDense() {
        // for Jackson
    }

    protected AbstractNormalisedDense(Builder<?> b) {
        super(b);
        this.nIn = b.nIn;
        this.powerIterations = b.powerIterations;
        this.initPowerIterations = b.initPowerIterations;
    }

    /** Number of rows of W (hidden width or output size). */
    protected abstract long weightRows();

    /** Declares the parameters other than W and v. */
    protected abstract void defineOtherParameters(SDLayerParams params);

    /** Initialises the parameters other than W and v. */
    protected abstract void initializeOtherParameters(Map<String, INDArray> params);

    /** σ_W on the graph, a [1, 1] variable. */
    protected static SDVariable spectralNorm(SameDiff sd, Map<String, SDVariable> p) {
        return SpectralNormState.define(sd, WEIGHT_KEY, p.get(WEIGHT_KEY), p.get(VECTOR_KEY));
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        DenseLayerSupport.requirePositive(nIn, "nIn (set it or let setInputType infer it)", describe());
        params.addWeightParam(WEIGHT_KEY, weightRows(), nIn);
        params.addWeightParam(VECTOR_KEY, 1, nIn);
        defineOtherParameters(params);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        initWeights((int) nIn, (int) weightRows(), getWeightInit(), params.get(WEIGHT_KEY));
        initializeOtherParameters(params);
        initialiseState(params);
    }

    @Override
    public void initialiseState(Map<String, INDArray> params) {
        SpectralNormState.initialise(params.get(WEIGHT_KEY), params.get(VECTOR_KEY), initPowerIterations, describe());
    }

    @Override
    public double powerIterationEstimate(Map<String, INDArray> params) {
        return SpectralNormState.estimate(params.get(WEIGHT_KEY), params.get(VECTOR_KEY));
    }


    @Override
    public void updateState(Map<String, INDArray> params) {
        SpectralNormState.update(params.get(WEIGHT_KEY), params.get(VECTOR_KEY), powerIterations, describe());
    }

    @Override
    public Map<String, INDArray> placeholderValues(Map<String, INDArray> params, boolean training) {
        return Map.of(WEIGHT_KEY + SpectralNormState.SCALE_SUFFIX,
                SpectralNormState.scale(params.get(WEIGHT_KEY), params.get(VECTOR_KEY), training, describe()));
    }

    /** B(W) ≥ ‖W‖₂ (Gram iteration, the bound used at inference), cached per bit-exact weight copy. */
    protected double certifiedNorm(Map<String, INDArray> params) {
        INDArray w = params.get(WEIGHT_KEY);
        try {
            return boundCache().get(w, "dense", () -> GramIteration.upperBound(w));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(describe() + ": cannot certify the spectral norm of W: " + e.getMessage(),
                    e);
        }
    }

    private synchronized BoundCache boundCache() {
        if (boundCache == null) {
            boundCache = new BoundCache();
        }
        return boundCache;
    }

    @Override
    public void validateInput(INDArray input) {
        DenseLayerSupport.requireShape(input, nIn, describe());
        super.validateInput(input);
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

    /** Shared builder settings: nIn, and the power-iteration settings of {@link NormalisedLayerBuilder}. */
    @SuppressWarnings("unchecked")
    public abstract static class Builder<T extends Builder<T>> extends NormalisedLayerBuilder<T> {
        private long nIn;

        /** Number of input features. Inferred from the input type when not set. */
        public T nIn(long nIn) {
            DenseLayerSupport.requirePositive(nIn, "nIn", getClass().getEnclosingClass().getSimpleName());
            this.nIn = nIn;
            return (T) this;
        }
    }
}
