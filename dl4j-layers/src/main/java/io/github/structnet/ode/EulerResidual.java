package io.github.structnet.ode;

import io.github.structnet.summary.StepSize;
import io.github.structnet.samediff.StructLayer;
import lombok.Data;
import lombok.EqualsAndHashCode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;
import java.util.Set;

/**
 * A residual layer read as one explicit Euler step of ẋ = F_θ(x):
 * <pre>
 *   x ← x + h F_θ(x),    F_θ(x) = Bᵀ σ(A x + b),    A, B ∈ ℝ^{m×d}
 * </pre>
 * A stack of L such layers with their own weights is the Euler discretisation of ẋ = B(t)ᵀσ(A(t)x + b(t)) with
 * time-dependent weights. The step h is fixed (kept as state) or learnable.
 * <p>Shapes: input/output [mb, d]; A, B [m, d], b [1, m], h [1, 1]. No guarantee beyond the discretisation:
 * ‖∂x_out/∂x‖ may be anything.
 *
 * @see <a href="https://arxiv.org/abs/1705.03341">Haber, Ruthotto 2017, Stable architectures for deep neural
 * networks</a>
 */
@Data
@EqualsAndHashCode(callSuper = true)
public class EulerResidual extends StructLayer implements StepSize {

    public static final String IN_KEY = "A";
    public static final String OUT_KEY = "B";
    public static final String BIAS_KEY = "b";
    public static final String STEP_KEY = "h";

    private long nIn;
    private long width;
    private Activation activation;
    private double step;
    private boolean trainableStep;

    private EulerResidual() {
        // for Jackson
    }

    private EulerResidual(Builder b) {
        super(b);
        this.nIn = b.nIn;
        this.width = b.width;
        this.activation = b.activation;
        this.step = b.getStep();
        this.trainableStep = b.isTrainableStep();
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> p, SDVariable mask) {
        SDVariable pre = sd.mmul(x, p.get(IN_KEY), false, true, false).add(p.get(BIAS_KEY));
        SDVariable f = activation.asSameDiff(sd, pre).mmul(p.get(OUT_KEY));
        return x.add(f.mul(p.get(STEP_KEY)));
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        if (nIn <= 0) {
            throw new IllegalArgumentException(describe()
                    + ": nIn must be positive (set it or let setInputType infer it); got " + nIn);
        }
        params.addWeightParam(IN_KEY, width, nIn);
        params.addWeightParam(OUT_KEY, width, nIn);
        params.addBiasParam(BIAS_KEY, 1, width);
        params.addBiasParam(STEP_KEY, 1, 1);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        initWeights((int) nIn, (int) width, getWeightInit(), params.get(IN_KEY));
        initWeights((int) width, (int) nIn, getWeightInit(), params.get(OUT_KEY));
        params.get(BIAS_KEY).assign(0);
        params.get(STEP_KEY).assign(step);
    }

    @Override
    public Set<String> stateParameterKeys() {
        return trainableStep ? Set.of() : Set.of(STEP_KEY);
    }

    @Override
    public void validateInput(INDArray input) {
        if (input.rank() != 2 || input.size(1) != nIn) {
            throw new IllegalArgumentException(describe() + ": expected input of shape [minibatch, " + nIn + "]; got "
                    + java.util.Arrays.toString(input.shape()));
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
            nIn = inputType.arrayElementsPerExample();
        }
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    /** The step size h (a parameter: learned, or kept fixed as state). */
    @Override
    public double stepSize(Map<String, INDArray> params) {
        return params.get(STEP_KEY).getDouble(0);
    }

    /** Builder. Defaults: tanh, step 0.1 fixed. */
    public static class Builder extends StepLayerBuilder<Builder> {
        private long nIn;
        private long width;
        private Activation activation = Activation.TANH;

        public Builder() {
            super(0.1, false);
        }

        public Builder nIn(long nIn) {
            this.nIn = nIn;
            return this;
        }

        /** Hidden width m. */
        public Builder width(long width) {
            this.width = width;
            return this;
        }

        public Builder activation(Activation activation) {
            this.activation = activation;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public EulerResidual build() {
            String owner = owner();
            if (width <= 0) {
                throw new IllegalArgumentException(owner + ": width must be positive; got " + width);
            }
            if (nIn < 0) {
                throw new IllegalArgumentException(owner + ": nIn must be positive; got " + nIn);
            }
            validateStep();
            if (activation == null || activation == Activation.SOFTMAX) {
                throw new IllegalArgumentException(owner + ": activation must be element-wise; got " + activation);
            }
            return new EulerResidual(this);
        }
    }
}
