package io.github.structnet.ode;

import io.github.structnet.samediff.DirectVertexPass;
import io.github.structnet.samediff.StructVertex;
import lombok.Data;
import lombok.EqualsAndHashCode;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDVertexParams;
import org.deeplearning4j.nn.weights.IWeightInit;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * A neural ODE evaluated at each series' own observation times, for a {@code ComputationGraph}. Inputs: the initial
 * state x₀ [minibatch, d] at the start time t₀ and the observation times [minibatch, T] (per series, strictly
 * increasing, ≥ t₀); with a feature mask [minibatch, T] on the times input, series may have different lengths
 * (entries with mask 0 are ignored, their times may be anything). Output: x(tᵢₖ) as a sequence [minibatch, d, T]
 * (zero where masked), with the times input's mask as its mask, for DL4J's RNN losses.
 * <pre>
 *   ẋ = F_θ(t, x),  x(t₀) = x₀,   outᵢ[:, k] = xᵢ(tᵢₖ)
 * </pre>
 * The vector field, solver and gradient method are those of a {@link NeuralOdeLayer} configuration (its times are
 * not used). The minibatch is solved as one system with outputs at the union of all observation times; adaptive pairs
 * return them by dense output, so the number of distinct times does not change the steps taken.
 * <p>The gradient with respect to an observation time tᵢₖ is εᵢₖ · F(tᵢₖ, xᵢ(tᵢₖ)), the derivative of the exact flow.
 * <p><b>DL4J caveat.</b> {@code ComputationGraph.fit} in DL4J 1.0.0-M2.1 does nothing when no <i>layer</i> of the
 * graph has parameters (it counts layers' parameters only, not vertices'): end the graph with a layer that has some,
 * such as an {@code RnnOutputLayer}, rather than a parameter-free {@code RnnLossLayer}.
 */
@Data
@EqualsAndHashCode(callSuper = true)
public class NeuralOdeVertex extends StructVertex implements DirectVertexPass<NeuralOdeVertex.Saved> {

    /** Input names: the initial state and the observation times. */
    public static final String STATE_INPUT = "x0";
    public static final String TIMES_INPUT = "times";

    private NeuralOdeLayer ode;
    private double startTime;
    private IWeightInit initializer;

    /** The solve at the union of the valid times, its parameters, and where each (series, k) sits in the union. */
    record Saved(Solution solution, double[] theta, double[] union, int[][] position) {
    }

    private NeuralOdeVertex() {
        // for Jackson
    }

    private NeuralOdeVertex(Builder b) {
        this.ode = b.ode;
        this.startTime = b.startTime;
        this.initializer = b.initializer;
    }

    @Override
    public void defineParametersAndInputs(SDVertexParams params) {
        params.defineInputs(STATE_INPUT, TIMES_INPUT);
        ode.defineFieldParameters(params);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        ode.initializeFieldParameters(params, initializer);
    }

    /** Adaptive solves have no static graph: the runtime runs the direct pass. */
    @Override
    public SDVariable defineVertex(SameDiff sd, Map<String, SDVariable> in, Map<String, SDVariable> p,
                                   Map<String, SDVariable> masks) {
        throw new UnsupportedOperationException(describe() + ": an ODE solve at data-dependent times has no static"
                + " SameDiff graph; the vertex runs its direct pass");
    }

    @Override
    public Forward<Saved> forward(Map<String, INDArray> params, INDArray[] inputs, INDArray[] masks,
                                  boolean training) {
        INDArray x0 = inputs[0];
        int batch = (int) x0.size(0);
        int count = (int) inputs[1].size(1);
        double[][] times = rows(inputs[1]);
        boolean[][] valid = validity(masks, batch, count);
        requireObservationTimes(times, valid);
        TreeSet<Double> all = new TreeSet<>();
        all.add(startTime);
        for (int i = 0; i < batch; i++) {
            for (int k = 0; k < count; k++) {
                if (valid[i][k]) {
                    all.add(times[i][k]);
                }
            }
        }
        double[] union = all.stream().mapToDouble(Double::doubleValue).toArray();
        int[][] position = new int[batch][count];
        for (int i = 0; i < batch; i++) {
            for (int k = 0; k < count; k++) {
                position[i][k] = valid[i][k] ? Arrays.binarySearch(union, times[i][k]) : -1;
            }
        }
        double[] theta = ode.flatten(params);
        Solution solution = union.length == 1 ? trivial(x0) : ode.solve(theta, x0.dup('c').data().asDouble(),
                batch, union, training);
        int d = (int) ode.getNIn();
        double[] out = new double[batch * d * count];
        for (int i = 0; i < batch; i++) {
            for (int k = 0; k < count; k++) {
                if (position[i][k] >= 0) {
                    double[] state = solution.output(position[i][k]);
                    for (int c = 0; c < d; c++) {
                        out[(i * d + c) * count + k] = state[i * d + c];
                    }
                }
            }
        }
        INDArray output = Nd4j.createFromArray(out).reshape(batch, d, count).castTo(x0.dataType());
        return new Forward<>(inputs, output, new Saved(solution, theta, union, position));
    }

    private static Solution trivial(INDArray x0) {
        Solution s = new Solution(1, OdeSolver.NO_TAPE);
        s.output(0, x0.dup('c').data().asDouble(), -1, 1.0);
        return s;
    }

    @Override
    public Backward backward(Map<String, INDArray> params, Forward<Saved> forward, INDArray epsilon) {
        Saved saved = forward.saved();
        INDArray x0 = forward.inputs()[0];
        INDArray timesInput = forward.inputs()[1];
        int batch = (int) x0.size(0);
        int count = (int) timesInput.size(1);
        int d = (int) ode.getNIn();
        double[] eps = epsilon.dup('c').data().asDouble();
        double[][] outputGradients = new double[saved.union().length][];
        double[] timeGradient = new double[batch * count];
        DenseVectorField field = new DenseVectorField(ode.architecture(), saved.theta(), batch, describe());
        double[][] rates = new double[saved.union().length][]; // F at each union time, evaluated once
        for (int i = 0; i < batch; i++) {
            for (int k = 0; k < count; k++) {
                int j = saved.position()[i][k];
                if (j < 0) {
                    continue;
                }
                if (outputGradients[j] == null) {
                    outputGradients[j] = new double[batch * d];
                    rates[j] = new double[batch * d];
                    field.evaluate(saved.union()[j], saved.solution().output(j), rates[j]);
                }
                for (int c = 0; c < d; c++) {
                    double e = eps[(i * d + c) * count + k];
                    outputGradients[j][i * d + c] += e;
                    timeGradient[i * count + k] += e * rates[j][i * d + c];
                }
            }
        }
        double[] parameterGradient = new double[saved.theta().length];
        double[] stateGradient;
        if (saved.union().length == 1) {
            stateGradient = outputGradients[0] == null ? new double[batch * d] : outputGradients[0];
        } else {
            stateGradient = ode.gradients(saved.theta(), batch, saved.union(), saved.solution(), outputGradients,
                    parameterGradient);
        }
        Map<String, INDArray> grads = new HashMap<>();
        int offset = 0;
        for (String key : ode.parameterKeys()) {
            INDArray g = params.get(key).ulike();
            offset = NeuralOdeLayer.unflatten(parameterGradient, offset, g);
            grads.put(key, g);
        }
        return new Backward(grads, new INDArray[]{
            Nd4j.createFromArray(stateGradient).reshape(x0.shape()).castTo(x0.dataType()),
            Nd4j.createFromArray(timeGradient).reshape(batch, count).castTo(timesInput.dataType())});
    }

    private static double[][] rows(INDArray a) {
        double[] values = a.dup('c').data().asDouble();
        int n = (int) a.size(0);
        int m = (int) a.size(1);
        double[][] r = new double[n][m];
        for (int i = 0; i < n; i++) {
            System.arraycopy(values, i * m, r[i], 0, m);
        }
        return r;
    }

    private boolean[][] validity(INDArray[] masks, int batch, int count) {
        INDArray mask = masks == null || masks.length < 2 ? null : masks[1];
        boolean[][] valid = new boolean[batch][count];
        if (mask == null) {
            for (boolean[] row : valid) {
                Arrays.fill(row, true);
            }
            return valid;
        }
        if (mask.rank() != 2 || mask.size(0) != batch || mask.size(1) != count) {
            throw new IllegalArgumentException(describe() + ": the mask of the times input must have the times'"
                    + " shape [" + batch + ", " + count + "]; got " + Arrays.toString(mask.shape()));
        }
        double[][] m = rows(mask);
        for (int i = 0; i < batch; i++) {
            for (int k = 0; k < count; k++) {
                if (m[i][k] != 0 && m[i][k] != 1) {
                    throw new IllegalArgumentException(describe() + ": mask entries must be 0 or 1; got " + m[i][k]
                            + " at series " + i + ", time " + k);
                }
                valid[i][k] = m[i][k] == 1;
            }
        }
        return valid;
    }

    private void requireObservationTimes(double[][] times, boolean[][] valid) {
        for (int i = 0; i < times.length; i++) {
            double previous = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < times[i].length; k++) {
                if (!valid[i][k]) {
                    continue;
                }
                double t = times[i][k];
                if (!Double.isFinite(t)) {
                    throw new IllegalArgumentException(describe() + ": observation time " + k + " of series " + i
                            + " is " + t + "; times must be finite");
                }
                if (t < startTime) {
                    throw new IllegalArgumentException(describe() + ": observation time " + k + " of series " + i
                            + " is " + t + ", before the start time t0 = " + startTime);
                }
                if (!(t > previous)) {
                    throw new IllegalArgumentException(describe() + ": observation times of series " + i
                            + " must be strictly increasing; time " + k + " = " + t + " follows " + previous);
                }
                previous = t;
            }
        }
    }

    /** The inputs' shapes (finiteness of the times is checked on the valid entries only). */
    @Override
    public void validateInput(INDArray[] input) {
        long d = ode.getNIn();
        if (input.length != 2 || input[0].rank() != 2 || input[0].size(1) != d) {
            throw new IllegalArgumentException(describe() + ": expected inputs x0 [minibatch, " + d + "] and times"
                    + " [minibatch, T]; got " + Arrays.toString(Arrays.stream(input).map(a -> Arrays.toString(
                            a.shape())).toArray()));
        }
        if (input[1].rank() != 2 || input[1].size(0) != input[0].size(0)) {
            throw new IllegalArgumentException(describe() + ": the times input must be [minibatch, T] with the"
                    + " minibatch of x0 (" + input[0].size(0) + "); got " + Arrays.toString(input[1].shape()));
        }
        requireFinite(input, 0); // the times may hold anything where they are masked: checked in the forward pass
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... vertexInputs) {
        if (vertexInputs.length != 2 || !(vertexInputs[1] instanceof InputType.InputTypeFeedForward times)) {
            throw new IllegalArgumentException(describe() + ": expects two feed-forward inputs, x0 [minibatch, d]"
                    + " and times [minibatch, T]; got " + Arrays.toString(vertexInputs));
        }
        return InputType.recurrent(ode.getNIn(), times.getSize());
    }

    /** The output's mask is the times input's mask. */
    @Override
    public Pair<INDArray, MaskState> feedForwardMaskArrays(INDArray[] maskArrays, MaskState currentMaskState,
                                                           int minibatchSize) {
        INDArray mask = maskArrays != null && maskArrays.length > 1 ? maskArrays[1] : null;
        return new Pair<>(mask, mask == null ? currentMaskState : MaskState.Active);
    }

    /**
     * Builder. Required: the vector field, solver and gradient settings as a {@link NeuralOdeLayer} with its state
     * size d ({@code nIn}). Defaults: start time 0, Xavier initialisation.
     */
    public static class Builder {
        private NeuralOdeLayer ode;
        private double startTime;
        private IWeightInit initializer = WeightInit.XAVIER.getWeightInitFunction();

        /** Vector field, solver and gradient method ({@code nIn} must be set; its times are not used). */
        public Builder ode(NeuralOdeLayer ode) {
            this.ode = ode;
            return this;
        }

        /** t₀, where x₀ is given (observation times must not precede it). */
        public Builder startTime(double startTime) {
            this.startTime = startTime;
            return this;
        }

        /** Initialisation of the vector field's weights (biases start at 0). */
        public Builder weightInit(WeightInit weightInit) {
            this.initializer = weightInit.getWeightInitFunction();
            return this;
        }

        public NeuralOdeVertex build() {
            if (ode == null) {
                throw new IllegalArgumentException("NeuralOdeVertex: the vector field and solver must be given with"
                        + " ode(new NeuralOdeLayer.Builder()...build())");
            }
            if (ode.getNIn() <= 0) {
                throw new IllegalArgumentException("NeuralOdeVertex: the state size must be set in the ODE settings"
                        + " (NeuralOdeLayer.Builder.nIn); got " + ode.getNIn());
            }
            if (!Double.isFinite(startTime)) {
                throw new IllegalArgumentException("NeuralOdeVertex: startTime must be finite; got " + startTime);
            }
            return new NeuralOdeVertex(this);
        }
    }
}
