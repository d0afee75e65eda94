package io.github.structnet.symplectic;

import io.github.structnet.summary.StepSize;
import io.github.structnet.ode.StepLayerBuilder;
import io.github.structnet.samediff.StructLayer;
import lombok.Data;
import lombok.EqualsAndHashCode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;
import java.util.Set;

/**
 * Base of the layers acting on a phase space: a feature vector x = (q, p) of even size 2n, q its first half,
 * p its second. Handles the size (even, inferred from the input type), the split and merge, and the step size h
 * ({@value #STEP_KEY}): learnable, or fixed (then kept as state: never updated, saved with the model).
 * <p>Output shape = input shape [mb, 2n].
 */
@Data
@EqualsAndHashCode(callSuper = true)
public abstract class PhaseSpaceLayer extends StructLayer implements StepSize {

    public static final String STEP_KEY = "h";

    /** Size of the feature vector 2n. */
    protected long nIn;
    protected double step;
    protected boolean trainableStep;

    protected PhaseSpaceLayer() {
        // for Jackson
    }

    protected PhaseSpaceLayer(Builder<?> b) {
        super(b);
        this.nIn = b.nIn;
        this.step = b.getStep();
        this.trainableStep = b.isTrainableStep();
    }

    /** n, the size of q and of p. */
    public long half() {
        return nIn / 2;
    }

    /** Declares the parameters other than the step. */
    protected abstract void defineModuleParameters(SDLayerParams params);

    /** Initialises the parameters other than the step. */
    protected abstract void initializeModuleParameters(Map<String, INDArray> params);

    /**
     * Whether h is a parameter of the graph (true for the SympNet modules) or a fixed setting of an integrator
     * (the Hamiltonian layers).
     */
    protected boolean stepIsParameter() {
        return true;
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        PhaseSpaces.requireEven(nIn, describe());
        defineModuleParameters(params);
        if (stepIsParameter()) {
            params.addBiasParam(STEP_KEY, 1, 1);
        }
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        initializeModuleParameters(params);
        if (stepIsParameter()) {
            params.get(STEP_KEY).assign(step);
        }
    }

    @Override
    public Set<String> stateParameterKeys() {
        return trainableStep || !stepIsParameter() ? Set.of() : Set.of(STEP_KEY);
    }

    /**
     * The first half q of x [mb, 2n]. Both halves use {@code slice}, not {@code strided_slice}: SameDiff M2.1's
     * strided_slice_bp fails at minibatch 1 ("lengths of arrays are mismatched").
     */
    protected SDVariable q(SDVariable x) {
        return x.getSameDiff().slice(x, new int[]{0, 0}, -1, (int) half());
    }

    /** The second half p of x [mb, 2n]. */
    protected SDVariable p(SDVariable x) {
        return x.getSameDiff().slice(x, new int[]{0, (int) half()}, -1, (int) half());
    }

    /** (q, p) → x. */
    protected static SDVariable merge(SameDiff sd, SDVariable q, SDVariable p) {
        return sd.concat(1, q, p);
    }

    @Override
    public void validateInput(INDArray input) {
        if (input.rank() != 2 || input.size(1) != nIn) {
            throw new IllegalArgumentException(describe() + ": expected input of shape [minibatch, " + nIn
                    + "] (phase space (q, p) with n = " + half() + "); got "
                            + java.util.Arrays.toString(input.shape()));
        }
        super.validateInput(input);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return InputType.feedForward(PhaseSpaces.featuresOf(inputType, describe()));
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        if (nIn <= 0 || override) {
            nIn = PhaseSpaces.requireEven(PhaseSpaces.featuresOf(inputType, describe()), describe());
        }
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    /**
     * The step size h: the parameter (learned, or kept fixed as state) or, for layers without one, the configured h.
     */
    @Override
    public double stepSize(Map<String, INDArray> params) {
        return stepIsParameter() ? params.get(STEP_KEY).getDouble(0) : step;
    }

    /** Shared builder settings: size (optional), step h (default 1, learnable). */
    @SuppressWarnings("unchecked")
    public abstract static class Builder<T extends Builder<T>> extends StepLayerBuilder<T> {
        private long nIn;

        protected Builder() {
            super(1.0, true);
        }

        /** Size 2n of the phase-space vector (even). Inferred from the input type when not set. */
        public T nIn(long nIn) {
            PhaseSpaces.requireEven(nIn, owner());
            this.nIn = nIn;
            return (T) this;
        }

        protected void validate() {
            validateStep();
        }
    }
}
