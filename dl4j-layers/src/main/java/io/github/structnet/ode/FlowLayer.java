package io.github.structnet.ode;

import io.github.structnet.summary.StepSize;
import io.github.structnet.samediff.StructLayer;
import lombok.Data;
import lombok.EqualsAndHashCode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.Map;

/**
 * Base of the invariant-preserving flow layers: a state x [minibatch, d] (d inferred from the input type) advanced by
 * {@code steps} steps of size h of an ODE whose discretisation keeps a quantity exactly. Output shape = input shape.
 */
@Data
@EqualsAndHashCode(callSuper = true)
public abstract class FlowLayer extends StructLayer implements StepSize {

    protected long nIn;
    protected double step;
    protected int steps;

    protected FlowLayer() {
        // for Jackson
    }

    protected FlowLayer(Builder<?> b) {
        super(b);
        this.nIn = b.nIn;
        this.step = b.getStep();
        this.steps = b.steps;
    }

    /**
     * Columns [from, from + count) of x (with {@code slice}: SameDiff M2.1's strided_slice_bp fails at minibatch 1).
     */
    protected static SDVariable columns(SDVariable x, int from, int count) {
        return x.getSameDiff().slice(x, new int[]{0, from}, -1, count);
    }

    protected void requireSize(long minimum) {
        if (nIn < minimum) {
            throw new IllegalStateException(describe() + ": the state size d must be at least " + minimum
                    + " (set nIn or the network's input type); got " + nIn);
        }
    }

    @Override
    public void validateInput(INDArray input) {
        if (input.rank() != 2 || input.size(1) != nIn) {
            throw new IllegalArgumentException(describe() + ": expected input of shape [minibatch, " + nIn + "]; got "
                    + Arrays.toString(input.shape()));
        }
        super.validateInput(input);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return InputType.feedForward(nIn);
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        if (nIn <= 0 || override) {
            if (!(inputType instanceof InputType.InputTypeFeedForward ff)) {
                throw new IllegalArgumentException(describe() + ": the input must be feed-forward [minibatch, d]; got "
                        + inputType);
            }
            nIn = ff.getSize();
        }
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    /** The configured step size h. */
    @Override
    public double stepSize(Map<String, INDArray> params) {
        return step;
    }

    /** Shared settings: state size (optional), step h (default 0.1), number of steps (default 1). */
    @SuppressWarnings("unchecked")
    public abstract static class Builder<T extends Builder<T>> extends StepLayerBuilder<T> {
        private long nIn;
        private int steps = 1;

        protected Builder() {
            super(0.1, false);
        }

        /** State size d (inferred from the input type when not set). */
        public T nIn(long nIn) {
            this.nIn = nIn;
            return (T) this;
        }

        /** Number of steps of size h (the layer is the time-(steps·h) map). */
        public T steps(int steps) {
            this.steps = steps;
            return (T) this;
        }

        protected void validate() {
            validateStep();
            if (nIn < 0) {
                throw new IllegalArgumentException(owner() + ": nIn must be positive (or unset); got " + nIn);
            }
            if (steps < 1) {
                throw new IllegalArgumentException(owner() + ": steps must be >= 1; got " + steps);
            }
        }
    }
}
