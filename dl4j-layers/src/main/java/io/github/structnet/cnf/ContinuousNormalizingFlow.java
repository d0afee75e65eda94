package io.github.structnet.cnf;

import io.github.structnet.ode.Invariant;
import io.github.structnet.ode.NeuralOdeLayer;
import io.github.structnet.ode.Solution;
import io.github.structnet.samediff.DirectPass;
import io.github.structnet.samediff.LayerBuilder;
import io.github.structnet.samediff.PassMemory;
import io.github.structnet.samediff.StructLayer;
import lombok.Data;
import lombok.EqualsAndHashCode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * A continuous normalising flow: the neural ODE ẋ = f_θ(t, x) on [0, T] of a {@link NeuralOdeLayer} configuration,
 * read as a change of variables. A sample is x = x(T) for x(0) = z ~ N(0, I), and
 * <pre>
 *   log p(x(T)) = log N(x(0); 0, I) − ∫₀ᵀ tr(∂f_θ/∂x)(t, x(t)) dt      (instantaneous change of variables)
 * </pre>
 * The layer takes data x [minibatch, d] and solves the state together with the log-density change backwards from T
 * to 0 ({@link TraceField}); its output is [minibatch, d + 1]: the latent z = x(0) and c = −∫₀ᵀ tr dt, so that
 * log p(x) = log N(z; 0, I) + c. Follow it with a {@link FlowLikelihood} loss to train by maximum likelihood, with
 * either gradient method of the neural-ODE configuration (backpropagation through the steps, or the adjoint).
 * The trace is exact (d forward-mode passes) up to {@link #getExactTraceUpTo()} dimensions and Hutchinson's
 * estimate εᵀ(∂f/∂x)ε above, with one Rademacher ε per example drawn once per solve (unbiased; its variance is the
 * price of one pass instead of d).
 * <p><b>Guarantee.</b> With the exact trace the log-density is that of the flow map to the solver's tolerance: the
 * density integrates to 1 and {@link FlowDensity#sample sampling} then evaluating returns the same log-density.
 * The field is the neural-ODE layer's dense field with identity input map and no invariant; the activation needs
 * a second derivative (TANH, SOFTPLUS, SIGMOID, SWISH, CUBE, IDENTITY).
 * <p>Parameters: those of the neural-ODE field, W0 [d (+1 with time input), width₁], b0, …, W{L} [width_L, d], b{L}.
 * The layer has no SameDiff definition (the trace needs the field's Jacobian; a gradient check covers the direct
 * pass).
 *
 * @see <a href="https://arxiv.org/abs/1810.01367">Grathwohl, Chen, Bettencourt, Sutskever, Duvenaud 2019, FFJORD:
 * free-form continuous dynamics for scalable reversible generative models</a>
 */
@Data
@EqualsAndHashCode(callSuper = true)
public class ContinuousNormalizingFlow extends StructLayer implements DirectPass<ContinuousNormalizingFlow.Saved> {

    private NeuralOdeLayer ode;
    private int exactTraceUpTo;

    /** The backward solve, the parameters and probes it ran with. */
    record Saved(Solution solution, double[] theta, double[][] probes) {
    }

    private ContinuousNormalizingFlow() {
        // for Jackson
    }

    private ContinuousNormalizingFlow(Builder b) {
        super(b);
        this.ode = b.ode;
        this.exactTraceUpTo = b.exactTraceUpTo;
    }

    /** The state size d. */
    public int dimension() {
        return (int) ode.getNIn();
    }

    /** The flow's horizon T (the field runs on [0, T]). */
    public double horizon() {
        return ode.getTimes()[1];
    }

    /** Whether the trace is exact (d ≤ {@link #getExactTraceUpTo()}) rather than Hutchinson's estimate. */
    public boolean exactTrace() {
        return dimension() <= exactTraceUpTo;
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        if (ode.getNIn() <= 0) {
            throw new IllegalStateException(describe() + ": the dimension d is not set: call nIn(d) on the ODE"
                    + " configuration or set the network's input type");
        }
        ode.defineFieldParameters(params);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        ode.initializeFieldParameters(params, getWeightInit().getWeightInitFunction());
    }

    /** The trace needs the Jacobian of the field, which has no SameDiff statement here: the direct pass runs. */
    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> p, SDVariable mask) {
        throw new UnsupportedOperationException(describe() + ": the log-density change needs the Jacobian trace of"
                + " the field, which has no SameDiff definition here; the layer runs its direct pass");
    }

    /** Solves (x, 0) from T back to 0; outputs [z, c] with log p(x) = log N(z) + c. */
    @Override
    public Forward<Saved> forward(Map<String, INDArray> params, INDArray input, boolean training,
                                  PassMemory memory) {
        int batch = (int) input.size(0);
        int d = dimension();
        double[] theta = ode.flatten(params);
        double[][] probes = probes(batch);
        double[] start = Arrays.copyOf(input.dup('c').castTo(DataType.DOUBLE).data().asDouble(), batch * (d + 1));
        Solution solution = ode.solve(field(theta, batch, probes), start, new double[]{horizon(), 0}, training);
        INDArray out = memory.result(input.dataType(), batch, d + 1);
        out.assign(toOutput(solution.output(1), batch).castTo(input.dataType()));
        return new Forward<>(input, out, new Saved(solution, theta, probes));
    }

    @Override
    public Backward backward(Map<String, INDArray> params, Forward<Saved> forward, INDArray epsilon,
                             PassMemory memory) {
        int batch = (int) forward.input().size(0);
        Saved saved = forward.saved();
        double[] parameterGradient = new double[saved.theta().length];
        double[][] outputGradients = {null, fromOutput(epsilon, batch)};
        double[] stateGradient = ode.gradients(field(saved.theta(), batch, saved.probes()),
                new double[]{horizon(), 0}, saved.solution(), outputGradients, parameterGradient);
        Map<String, INDArray> grads = new HashMap<>();
        int offset = 0;
        for (String key : ode.parameterKeys()) {
            INDArray g = memory.gradient(key);
            offset = NeuralOdeLayer.unflatten(parameterGradient, offset, g);
            grads.put(key, g);
        }
        INDArray in = memory.result(forward.input().dataType(), forward.input().shape());
        in.assign(Nd4j.createFromArray(Arrays.copyOf(stateGradient, batch * dimension()))
                .reshape(forward.input().shape()).castTo(forward.input().dataType()));
        return new Backward(grads, in);
    }

    /** The augmented field with parameters θ for a minibatch. */
    TraceField field(double[] theta, int batch, double[][] probes) {
        return new TraceField(ode.architecture(), theta, batch, probes, describe());
    }

    /**
     * The probe vectors for a minibatch: the d unit vectors (exact trace), or one Rademacher vector per example
     * drawn from ND4J's random generator (Hutchinson).
     */
    double[][] probes(int batch) {
        int d = dimension();
        if (exactTrace()) {
            double[][] units = new double[d][batch * d];
            for (int j = 0; j < d; j++) {
                for (int b = 0; b < batch; b++) {
                    units[j][b * d + j] = 1;
                }
            }
            return units;
        }
        double[] signs = Nd4j.getRandom().nextDouble(new long[]{(long) batch * d}).data().asDouble();
        for (int i = 0; i < signs.length; i++) {
            signs[i] = signs[i] < 0.5 ? -1 : 1;
        }
        return new double[][]{signs};
    }

    /** The augmented state (row-major x, then Δ) as the layer's [batch, d + 1] output. */
    INDArray toOutput(double[] state, int batch) {
        int d = dimension();
        double[] out = new double[batch * (d + 1)];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(state, b * d, out, b * (d + 1), d);
            out[b * (d + 1) + d] = state[batch * d + b];
        }
        return Nd4j.createFromArray(out).reshape(batch, d + 1);
    }

    /** The inverse of {@link #toOutput}: [batch, d + 1] to the augmented state layout. */
    double[] fromOutput(INDArray output, int batch) {
        int d = dimension();
        double[] values = output.dup('c').castTo(DataType.DOUBLE).data().asDouble();
        double[] state = new double[batch * (d + 1)];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(values, b * (d + 1), state, b * d, d);
            state[batch * d + b] = values[b * (d + 1) + d];
        }
        return state;
    }

    @Override
    public void validateInput(INDArray input) {
        if (input.rank() != 2 || input.size(1) != dimension()) {
            throw new IllegalArgumentException(describe() + ": expected samples as [minibatch, " + dimension()
                    + "]; got shape " + Arrays.toString(input.shape()));
        }
        super.validateInput(input);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return InputType.feedForward(ode.getNIn() + 1);
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        ode.setNIn(inputType, override);
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    /**
     * Builder. Defaults: the field of {@code new NeuralOdeLayer.Builder().hidden(64, 64).timeInput(true)
     * .tolerances(1e-5, 1e-5)} (tanh, Dormand–Prince 5(4), T = 1, backpropagation), exact trace up to d = 8.
     */
    public static class Builder extends LayerBuilder<Builder> {
        private NeuralOdeLayer ode;
        private int exactTraceUpTo = 8;

        /**
         * The vector field, horizon (times {0, T}), solver and gradient method, as a neural-ODE configuration with
         * final-state output, no invariant and identity input map.
         */
        public Builder ode(NeuralOdeLayer ode) {
            this.ode = ode;
            return this;
        }

        /** Largest dimension with the exact trace; above it, Hutchinson's estimate (≥ 0; 0: always Hutchinson). */
        public Builder exactTraceUpTo(int dimension) {
            this.exactTraceUpTo = dimension;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public ContinuousNormalizingFlow build() {
            String owner = owner();
            if (ode == null) {
                ode = new NeuralOdeLayer.Builder().hidden(64, 64).timeInput(true).tolerances(1e-5, 1e-5).build();
            }
            double[] times = ode.getTimes();
            if (times.length != 2 || times[0] != 0 || !(times[1] > 0)) {
                throw new IllegalArgumentException(owner + ": the flow runs on [0, T]: the ODE's times must be {0, T}"
                        + " with T > 0; got " + Arrays.toString(times));
            }
            if (ode.getOutput() != NeuralOdeLayer.Output.FINAL_STATE) {
                throw new IllegalArgumentException(owner + ": the ODE's output must be FINAL_STATE; got "
                        + ode.getOutput());
            }
            if (ode.getInvariant() != null && ode.getInvariant() != Invariant.NONE) {
                throw new IllegalArgumentException(owner + ": the flow's field takes no invariant; got "
                        + ode.getInvariant());
            }
            if (ode.getInputActivation() != Activation.IDENTITY) {
                throw new IllegalArgumentException(owner + ": the flow's field takes the state as it is: input"
                        + " activation must be IDENTITY; got " + ode.getInputActivation());
            }
            TraceField.requireSecondDerivative(ode.getActivation(), owner);
            if (exactTraceUpTo < 0) {
                throw new IllegalArgumentException(owner + ": exactTraceUpTo must be >= 0; got " + exactTraceUpTo);
            }
            return new ContinuousNormalizingFlow(this);
        }
    }
}
