package io.github.structnet.ode;

import io.github.structnet.samediff.DirectPass;
import io.github.structnet.samediff.LayerBuilder;
import io.github.structnet.samediff.PassMemory;
import io.github.structnet.samediff.StructLayer;
import lombok.Data;
import lombok.EqualsAndHashCode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.weights.IWeightInit;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A layer that is an ODE solve: the input x₀ [minibatch, d] is the state at t₀ of
 * <pre>
 *   ẋ = F_θ(t, x),   F_θ = a small dense network ({@link DenseVectorField})
 * </pre>
 * and the output is x(T) [minibatch, d] ({@link Output#FINAL_STATE}) or the states at all the configured times
 * t₀ &lt; t₁ &lt; … &lt; T as a sequence [minibatch, d, times] ({@link Output#TRAJECTORY}, DL4J's RNN layout,
 * x(t₀) = x₀ first), for trajectory losses.
 * <p>The whole solve is one layer: the minibatch is solved as one system (shared steps) on the JVM in double precision,
 * with an adaptive pair (Dormand–Prince 5(4) by default; rtol/atol, PI step control, dense output at the requested
 * times) or a fixed-step method ({@link RungeKuttaMethod}). Gradients ({@link GradientMethod}): backpropagation
 * through the accepted steps (exact for the discrete solve; optionally with checkpoints every K steps, bitwise-equal
 * gradients), or the continuous adjoint (memory independent of the number of steps).
 * <p><b>Guarantee.</b> The output is x(T) to the requested tolerance (adaptive) or to the method's order (fixed step).
 * With {@link Invariant#MASS} the field conserves Σᵢ xᵢ, and so does every step and dense output, up to rounding, for
 * any weights. Failures are {@link OdeSolveException}s naming this layer, t, h and the limit.
 * <p>Parameters: W0 [d (+1 with time input), width₁], b0 [1, width₁], …, W{L} [width_L, d], b{L} [1, d].
 * The SameDiff definition states the fixed-step solve as a graph (adaptive solves have no static graph).
 *
 * @see <a href="https://arxiv.org/abs/1806.07366">Chen, Rubanova, Bettencourt, Duvenaud 2018, Neural ordinary
 * differential equations</a>
 */
@Data
@EqualsAndHashCode(callSuper = true)
public class NeuralOdeLayer extends StructLayer implements DirectPass<NeuralOdeLayer.Saved> {

    /** What the layer returns. */
    public enum Output { FINAL_STATE, TRAJECTORY }

    private long nIn;
    private int[] hidden;
    private Activation activation;
    private Activation inputActivation;
    private boolean timeInput;
    private Invariant invariant;
    private double[] times;
    private Output output;
    private RungeKuttaMethod method;
    private double rtol;
    private double atol;
    private double fixedStep;
    private int maxSteps;
    private double minStep;
    private GradientMethod gradientMethod;
    private int checkpointEvery;
    private double adjointRtol;
    private double adjointAtol;

    /** The forward solve (its tape, when backpropagating through it) and the parameters it ran with. */
    record Saved(Solution solution, double[] theta) {
    }

    private NeuralOdeLayer() {
        // for Jackson
    }

    private NeuralOdeLayer(Builder b) {
        super(b);
        this.nIn = b.nIn;
        this.hidden = b.hidden.clone();
        this.activation = b.activation;
        this.inputActivation = b.inputActivation;
        this.timeInput = b.timeInput;
        this.invariant = b.invariant;
        this.times = b.times.clone();
        this.output = b.output;
        this.method = b.method;
        this.rtol = b.rtol;
        this.atol = b.atol;
        this.fixedStep = b.fixedStep;
        this.maxSteps = b.maxSteps;
        this.minStep = b.minStep;
        this.gradientMethod = b.gradientMethod;
        this.checkpointEvery = b.checkpointEvery;
        this.adjointRtol = b.adjointRtol;
        this.adjointAtol = b.adjointAtol;
    }

    /** The vector field's architecture. */
    public DenseVectorField.Architecture architecture() {
        return new DenseVectorField.Architecture((int) nIn, hidden, activation, inputActivation, timeInput,
                invariant == null ? Invariant.NONE : invariant);
    }

    /** The step control of the forward solve. */
    public StepControl stepControl() {
        return StepControl.defaults().withTolerances(rtol, atol).withFixedStep(fixedStep).withLimits(maxSteps, minStep);
    }

    /** The forward solver. */
    public OdeSolver solver() {
        return new OdeSolver(method.tableau(), stepControl(), describe());
    }

    /** Parameter keys in the order of θ: W0, b0, W1, b1, …. */
    public List<String> parameterKeys() {
        List<String> keys = new ArrayList<>();
        for (int l = 0; l <= hidden.length; l++) {
            keys.add("W" + l);
            keys.add("b" + l);
        }
        return keys;
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        if (nIn <= 0) {
            throw new IllegalStateException(describe() + ": the state size d is not set: call nIn(d) or set the"
                    + " network's input type");
        }
        defineFieldParameters(params);
    }

    /** Declares the field's parameters W0, b0, … (for this layer and the layers and vertices built on it). */
    public void defineFieldParameters(SDLayerParams params) {
        DenseVectorField.Architecture a = architecture();
        for (int l = 0; l < a.layers(); l++) {
            params.addWeightParam("W" + l, a.inputWidth(l), a.outputWidth(l));
            params.addBiasParam("b" + l, 1, a.outputWidth(l));
        }
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        initializeFieldParameters(params, getWeightInit().getWeightInitFunction());
    }

    /** Weights from {@code init} (fan-in and fan-out of each dense layer), biases 0. */
    public void initializeFieldParameters(Map<String, INDArray> params, IWeightInit init) {
        DenseVectorField.Architecture a = architecture();
        for (int l = 0; l < a.layers(); l++) {
            INDArray w = params.get("W" + l);
            init.init(a.inputWidth(l), a.outputWidth(l), w.shape(), 'c', w);
            params.get("b" + l).assign(0);
        }
    }

    /**
     * The fixed-step solve as a SameDiff graph, on the grid of {@link OdeSolver.FixedGrid} (the statement of the
     * formula the direct pass computes; a test holds the two equal).
     *
     * @throws UnsupportedOperationException for adaptive methods (their steps depend on the data)
     */
    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> p, SDVariable mask) {
        ButcherTableau tableau = method.tableau();
        if (invariant == Invariant.MASS) {
            throw new UnsupportedOperationException(describe() + ": the mass-conserving field has no SameDiff"
                    + " definition; the layer runs its direct pass");
        }
        if (tableau.isAdaptive()) {
            throw new UnsupportedOperationException(describe() + ": " + tableau.name() + " chooses its steps from"
                    + " the data, so it has no static SameDiff graph; the layer runs its direct pass");
        }
        DenseVectorField.Architecture a = architecture();
        VectorField<SDVariable> field = (t, state) -> {
            SDVariable in = inputActivation.asSameDiff(sd, state);
            if (timeInput) {
                SDVariable column = sd.slice(state, new int[]{0, 0}, -1, 1).mul(0.0).add(t);
                in = sd.concat(1, in, column);
            }
            for (int l = 0; l < a.layers(); l++) {
                in = in.mmul(p.get("W" + l)).add(p.get("b" + l));
                if (l < a.layers() - 1) {
                    in = activation.asSameDiff(sd, in);
                }
            }
            return in;
        };
        OdeSolver.FixedGrid grid = OdeSolver.FixedGrid.of(times, fixedStep);
        List<SDVariable> states = new ArrayList<>();
        states.add(x);
        SDVariable state = x;
        for (int m = 0; m < grid.starts().length; m++) {
            state = tableau.step(field, grid.starts()[m], state, grid.sizes()[m], VectorOps.SAMEDIFF);
            for (int j = 1; j < times.length; j++) {
                if (grid.outputStep()[j] == m) {
                    states.add(state);
                }
            }
        }
        if (output == Output.FINAL_STATE) {
            return state;
        }
        SDVariable[] expanded = new SDVariable[states.size()];
        for (int j = 0; j < expanded.length; j++) {
            expanded[j] = sd.expandDims(states.get(j), 2);
        }
        return sd.concat(2, expanded);
    }

    /**
     * Solves the minibatch on the JVM in double precision; keeps the tape for backpropagation (in training, with
     * {@link GradientMethod#BACKPROPAGATION}) or only the outputs (adjoint, inference).
     */
    @Override
    public Forward<Saved> forward(Map<String, INDArray> params, INDArray input, boolean training,
                                  PassMemory memory) {
        int batch = (int) input.size(0);
        double[] theta = flatten(params);
        Solution solution = solve(theta, input.dup('c').data().asDouble(), batch, times, training);
        INDArray out = memory.result(input.dataType(), outputShape(batch));
        out.assign(toArray(solution.outputs(), batch, input.dataType()));
        return new Forward<>(input, out, new Saved(solution, theta));
    }

    @Override
    public Backward backward(Map<String, INDArray> params, Forward<Saved> forward, INDArray epsilon,
                             PassMemory memory) {
        int batch = (int) forward.input().size(0);
        double[] theta = forward.saved().theta();
        double[] parameterGradient = new double[theta.length];
        double[] inputGradient = gradients(theta, batch, times, forward.saved().solution(),
                fromArray(epsilon, batch), parameterGradient);
        Map<String, INDArray> grads = new HashMap<>();
        int offset = 0;
        for (String key : parameterKeys()) {
            INDArray g = memory.gradient(key);
            offset = unflatten(parameterGradient, offset, g);
            grads.put(key, g);
        }
        INDArray in = memory.result(forward.input().dataType(), forward.input().shape());
        in.assign(Nd4j.createFromArray(inputGradient).reshape(forward.input().shape())
                .castTo(forward.input().dataType()));
        return new Backward(grads, in);
    }

    /** The vector field with parameters θ for a minibatch of {@code batch} states. */
    public DenseVectorField field(double[] theta, int batch) {
        return new DenseVectorField(architecture(), theta, batch, describe());
    }

    /**
     * The solve of a minibatch of {@code batch} states x0 (row-major) at {@code solveTimes} with parameters θ;
     * keeps the tape when training with backpropagation.
     */
    Solution solve(double[] theta, double[] x0, int batch, double[] solveTimes, boolean training) {
        return solve(field(theta, batch), x0, solveTimes, training);
    }

    /**
     * The solve of {@code field} from x0 at {@code solveTimes} with this layer's solver, keeping the tape when
     * training with backpropagation (the configured checkpoints), none otherwise.
     */
    public Solution solve(FlatVectorField field, double[] x0, double[] solveTimes, boolean training) {
        int tape = training && gradientMethod == GradientMethod.BACKPROPAGATION ? checkpointEvery : OdeSolver.NO_TAPE;
        return solver().solve(field, x0, solveTimes, tape);
    }

    /**
     * ∂ℓ/∂x₀ of a solve, adding ∂ℓ/∂θ to {@code parameterGradient}, by the configured gradient method.
     *
     * @param outputGradients ∂ℓ/∂x(tⱼ) per solve time (rows may be null)
     */
    double[] gradients(double[] theta, int batch, double[] solveTimes, Solution solution,
                       double[][] outputGradients, double[] parameterGradient) {
        return gradients(field(theta, batch), solveTimes, solution, outputGradients, parameterGradient);
    }

    /**
     * ∂ℓ/∂x₀ of a solve of {@code field} made by {@link #solve(FlatVectorField, double[], double[], boolean)},
     * adding ∂ℓ/∂θ to {@code parameterGradient}: backpropagation through its steps, or the adjoint solved with this
     * layer's adjoint tolerances.
     *
     * @param outputGradients ∂ℓ/∂x(tⱼ) per solve time (rows may be null)
     */
    public double[] gradients(DifferentiableVectorField field, double[] solveTimes, Solution solution,
                              double[][] outputGradients, double[] parameterGradient) {
        if (gradientMethod == GradientMethod.ADJOINT) {
            OdeSolver backward = new OdeSolver(method.tableau(), stepControl().withTolerances(adjointRtol,
                    adjointAtol), describe() + " (adjoint)");
            return new AdjointMethod(backward).gradients(field, solveTimes, solution.outputs(), outputGradients,
                    parameterGradient);
        }
        return solver().backpropagate(field, solution, outputGradients, parameterGradient);
    }

    /** Copies θ's entries from {@code offset} into the gradient array {@code target}; returns the next offset. */
    public static int unflatten(double[] values, int offset, INDArray target) {
        int length = (int) target.length();
        target.assign(Nd4j.createFromArray(Arrays.copyOfRange(values, offset, offset + length))
                .reshape(target.shape()).castTo(target.dataType()));
        return offset + length;
    }

    /** The parameters as one array θ in the order of {@link #parameterKeys()}. */
    public double[] flatten(Map<String, INDArray> params) {
        double[] theta = new double[architecture().parameterCount()];
        int offset = 0;
        for (String key : parameterKeys()) {
            double[] values = params.get(key).dup('c').data().asDouble();
            System.arraycopy(values, 0, theta, offset, values.length);
            offset += values.length;
        }
        return theta;
    }

    private long[] outputShape(long batch) {
        return output == Output.FINAL_STATE ? new long[]{batch, nIn} : new long[]{batch, nIn, times.length};
    }

    /** The solve's states (all times, or the last) in the layer's output layout. */
    private INDArray toArray(double[][] states, int batch, DataType type) {
        int d = (int) nIn;
        if (output == Output.FINAL_STATE) {
            return Nd4j.createFromArray(states[states.length - 1]).reshape(batch, d).castTo(type);
        }
        int count = times.length;
        double[] values = new double[batch * d * count];
        for (int j = 0; j < count; j++) {
            for (int i = 0; i < batch * d; i++) {
                values[i * count + j] = states[j][i];
            }
        }
        return Nd4j.createFromArray(values).reshape(batch, d, count).castTo(type);
    }

    /** ε in the output layout → ∂ℓ/∂x(tⱼ) per time (null where the output has none). */
    private double[][] fromArray(INDArray epsilon, int batch) {
        int d = (int) nIn;
        double[] values = epsilon.dup('c').data().asDouble();
        double[][] gradients = new double[times.length][];
        if (output == Output.FINAL_STATE) {
            gradients[times.length - 1] = values;
            return gradients;
        }
        int count = times.length;
        for (int j = 0; j < count; j++) {
            gradients[j] = new double[batch * d];
            for (int i = 0; i < batch * d; i++) {
                gradients[j][i] = values[i * count + j];
            }
        }
        return gradients;
    }

    @Override
    public void validateInput(INDArray input) {
        if (input.rank() != 2 || input.size(1) != nIn) {
            throw new IllegalArgumentException(describe() + ": expected the initial state as [minibatch, " + nIn
                    + "]; got shape " + Arrays.toString(input.shape()));
        }
        super.validateInput(input);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return output == Output.FINAL_STATE ? InputType.feedForward(nIn) : InputType.recurrent(nIn, times.length);
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        if (nIn <= 0 || override) {
            if (!(inputType instanceof InputType.InputTypeFeedForward ff)) {
                throw new IllegalArgumentException(describe() + ": the input must be feed-forward [minibatch, d]"
                        + " (the initial state); got " + inputType);
            }
            nIn = ff.getSize();
        }
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    /**
     * Builder. Defaults: one hidden layer of 50 units, tanh, no input map, no time input, times {0, 1}, final state,
     * Dormand–Prince 5(4) with rtol 1e-7 and atol 1e-9, fixed step 0.1 (fixed-step methods), at most 10⁵ steps,
     * minimum step 1e-12, backpropagation with a full tape, adjoint tolerances equal to the forward ones.
     */
    public static class Builder extends LayerBuilder<Builder> {
        private long nIn;
        private int[] hidden = {50};
        private Activation activation = Activation.TANH;
        private Activation inputActivation = Activation.IDENTITY;
        private boolean timeInput;
        private Invariant invariant = Invariant.NONE;
        private double[] times = {0, 1};
        private Output output = Output.FINAL_STATE;
        private RungeKuttaMethod method = RungeKuttaMethod.DORMAND_PRINCE;
        private double rtol = 1e-7;
        private double atol = 1e-9;
        private double fixedStep = 0.1;
        private int maxSteps = 100_000;
        private double minStep = 1e-12;
        private GradientMethod gradientMethod = GradientMethod.BACKPROPAGATION;
        private int checkpointEvery;
        private double adjointRtol = Double.NaN;
        private double adjointAtol = Double.NaN;

        /** State size d (inferred from the input type when not set). */
        public Builder nIn(long nIn) {
            this.nIn = nIn;
            return this;
        }

        /** Widths of the vector field's hidden layers. */
        public Builder hidden(int... widths) {
            this.hidden = widths == null ? null : widths.clone();
            return this;
        }

        /** Activation of the hidden layers (any DL4J activation except RRELU). */
        public Builder activation(Activation activation) {
            this.activation = activation;
            return this;
        }

        /** Element-wise map of the state before the first layer, e.g. CUBE for F(x³). */
        public Builder inputActivation(Activation inputActivation) {
            this.inputActivation = inputActivation;
            return this;
        }

        /** Whether t is an input of the vector field (non-autonomous ODE). */
        public Builder timeInput(boolean timeInput) {
            this.timeInput = timeInput;
            return this;
        }

        /** A quantity the vector field keeps by construction ({@link Invariant#MASS}: Σᵢ xᵢ; needs d ≥ 2). */
        public Builder invariant(Invariant invariant) {
            this.invariant = invariant;
            return this;
        }

        /** t₀ &lt; t₁ &lt; … &lt; T: the start time and the output times. */
        public Builder times(double... times) {
            this.times = times == null ? null : times.clone();
            return this;
        }

        /** Final state [mb, d] or trajectory [mb, d, times]. */
        public Builder output(Output output) {
            this.output = output;
            return this;
        }

        public Builder method(RungeKuttaMethod method) {
            this.method = method;
            return this;
        }

        /** Relative and absolute tolerances of the adaptive solve (both &gt; 0). */
        public Builder tolerances(double rtol, double atol) {
            this.rtol = rtol;
            this.atol = atol;
            return this;
        }

        /** The step of a fixed-step method (each interval cut into equal steps no longer than this). */
        public Builder fixedStep(double fixedStep) {
            this.fixedStep = fixedStep;
            return this;
        }

        /** Maximum number of attempted steps per solve and the smallest admissible adaptive step. */
        public Builder stepLimits(int maxSteps, double minStep) {
            this.maxSteps = maxSteps;
            this.minStep = minStep;
            return this;
        }

        public Builder gradientMethod(GradientMethod gradientMethod) {
            this.gradientMethod = gradientMethod;
            return this;
        }

        /**
         * Backpropagation keeps every K-th step's start state and recomputes the others (K &gt; 0), or keeps every step
         * (0, the default). Gradients are bitwise equal either way.
         */
        public Builder checkpointEvery(int k) {
            this.checkpointEvery = k;
            return this;
        }

        /** Tolerances of the adjoint's backward solve (default: the forward ones). */
        public Builder adjointTolerances(double rtol, double atol) {
            this.adjointRtol = rtol;
            this.adjointAtol = atol;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public NeuralOdeLayer build() {
            String owner = owner();
            if (nIn < 0) {
                throw new IllegalArgumentException(owner + ": nIn must be positive (or unset); got " + nIn);
            }
            if (hidden == null || hidden.length == 0) {
                throw new IllegalArgumentException(owner + ": the vector field needs at least one hidden layer");
            }
            for (int w : hidden) {
                if (w <= 0) {
                    throw new IllegalArgumentException(owner + ": hidden widths must be positive; got "
                            + Arrays.toString(hidden));
                }
            }
            new ScalarActivation(activation, owner);
            new ScalarActivation(inputActivation, owner);
            OdeSolver.requireTimes(times, owner);
            if (times.length < 2 || times[1] < times[0]) {
                throw new IllegalArgumentException(owner + ": times must start at t0 and increase (at least t0 and"
                        + " T); got " + Arrays.toString(times));
            }
            if (output == null || method == null || gradientMethod == null || invariant == null) {
                throw new IllegalArgumentException(owner
                        + ": output, method, gradientMethod and invariant must be set");
            }
            if (invariant == Invariant.MASS && nIn == 1) {
                throw new IllegalArgumentException(owner + ": a mass-conserving field needs at least 2 compartments;"
                        + " got nIn = 1");
            }
            if (checkpointEvery < 0) {
                throw new IllegalArgumentException(owner + ": checkpointEvery must be 0 (keep every step) or"
                        + " positive; got " + checkpointEvery);
            }
            if (Double.isNaN(adjointRtol) && Double.isNaN(adjointAtol)) {
                adjointRtol = rtol;
                adjointAtol = atol;
            }
            StepControl control = StepControl.defaults().withTolerances(rtol, atol).withFixedStep(fixedStep)
                    .withLimits(maxSteps, minStep).validate(owner);
            control.withTolerances(adjointRtol, adjointAtol).validate(owner + " (adjoint tolerances)");
            return new NeuralOdeLayer(this);
        }
    }
}
