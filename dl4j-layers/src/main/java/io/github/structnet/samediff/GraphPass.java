package io.github.structnet.samediff;

import io.github.structnet.kernels.Constants;
import io.github.structnet.kernels.Sums;
import io.github.structnet.kernels.Vectors;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;

import org.nd4j.autodiff.samediff.array.SingleThreadArrayHolder;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pieces both corrected runtimes share: the exact-gradient loss, input checks and the per-iteration
 * state clock.
 * <p><b>Exact gradients.</b> DL4J's stock runtime injects the incoming gradient ε through an
 * external-errors op and returns 2ε·∂out/∂· (DESIGN.md, fact 1). Here the graph gets a placeholder ε and
 * the scalar loss ℓ = Σ out ⊙ ε, so ∂ℓ/∂θ = εᵀ ∂out/∂θ exactly: the vector–Jacobian product DL4J expects.
 */
final class GraphPass {

    /** Name of the placeholder carrying the incoming gradient ε. */
    static final String EPSILON = "structnet_epsilon";
    /** Name of the scalar loss Σ out ⊙ ε. */
    static final String LOSS = "structnet_vjp_loss";

    private GraphPass() {
    }

    /** A new graph whose variables may be views (the parameters are views into the network's vector). */
    static SameDiff newGraph() {
        SameDiff sd = SameDiff.create();
        sd.setArrayHolders(new SingleThreadArrayHolder(), new SingleThreadArrayHolder(), false);
        return sd;
    }

    /** A placeholder for a batch of arrays shaped like {@code example}: the minibatch dimension is left free. */
    static SDVariable batchPlaceholder(SameDiff sd, String name, DataType type, long[] example) {
        long[] shape = example.clone();
        shape[0] = -1;
        return sd.placeHolder(name, type, shape);
    }

    /** One graph variable per parameter, by key, in declaration order. */
    static Map<String, SDVariable> parameterVariables(SameDiff sd, Map<String, long[]> shapes, DataType type) {
        Map<String, SDVariable> vars = new LinkedHashMap<>();
        shapes.forEach((key, shape) -> vars.put(key, sd.var(key, type, shape)));
        return vars;
    }

    /**
     * Binds the parameter arrays to their variables, attaches the vector–Jacobian loss to the output, builds the
     * gradient function for the given input placeholders and returns the keys of the trainable (non-state)
     * parameters.
     */
    static List<String> bind(SameDiff sd, SDVariable output, Map<String, INDArray> params, Set<String> stateKeys,
                             String... inputs) {
        params.forEach((key, arr) -> sd.associateArrayWithVariable(arr, sd.getVariable(key)));
        attachVectorJacobianLoss(sd, output);
        // name the input placeholders explicitly: otherwise SameDiff drops their gradient when an input only
        // reaches the output through slicing ops
        QuietGradients.createGradFunction(sd, inputs);
        return trainableKeys(params, stateKeys);
    }

    /** The keys of the parameters that are trained: all but the state parameters. */
    static List<String> trainableKeys(Map<String, INDArray> params, Set<String> stateKeys) {
        List<String> trainable = new ArrayList<>(params.keySet());
        trainable.removeAll(stateKeys);
        return trainable;
    }

    /** Declares ε and the loss Σ out ⊙ ε on the graph, and makes it the graph's loss. */
    static void attachVectorJacobianLoss(SameDiff sd, SDVariable output) {
        SDVariable eps = sd.placeHolder(EPSILON, output.dataType(), (long[]) null);
        SDVariable loss = sd.sum(LOSS, output.mul(eps));
        sd.setLossVariables(loss);
    }

    /**
     * Rejects NaN or infinite values with a message naming the layer.
     *
     * @param what for example "input" or "input 'q'"
     */
    static void requireFinite(INDArray array, String owner, String what) {
        if (!Sums.allFinite(array)) {
            boolean nan = BooleanIndexing.or(array, Conditions.isNan());
            throw new IllegalArgumentException(owner + ": " + what + " contains " + (nan ? "NaN" : "infinite")
                    + " values (shape " + Arrays.toString(array.shape()) + "); only finite values are allowed");
        }
    }

    /** The gradient of an input placeholder; its absence is a bug in the graph, never a zero gradient. */
    static INDArray inputGradient(Map<String, INDArray> grads, String input, String owner) {
        INDArray g = grads.get(input);
        if (g == null) {
            throw new IllegalStateException(owner + ": SameDiff returned no gradient for input '" + input + "'");
        }
        return g;
    }

    /**
     * Copies SameDiff's gradients into DL4J's gradient views; state parameters get a zero gradient view but no entry in
     * {@code target}: they are not trained by backprop, so listeners that report updates (DL4J's
     * {@code StatsListener}) do not list them as parameters.
     */
    static void copyGradients(Map<String, INDArray> sdGrads, Map<String, INDArray> gradViews, List<String> trainable,
                              Iterable<String> state, org.deeplearning4j.nn.gradient.Gradient target) {
        for (String key : trainable) {
            INDArray view = gradViews.get(key);
            INDArray g = sdGrads.get(key);
            if (g == null) {
                view.assign(0); // parameter does not influence the output
            } else if (g != view) {
                view.assign(g);
            }
            target.gradientForVariable().put(key, view);
        }
        for (String key : state) {
            INDArray view = gradViews.get(key);
            // a BLAS copy of a cached zero row creates no ND4J array (assign(0) makes two)
            Vectors.copy(Constants.zeros(view.dataType(), view.length()), view);
        }
    }

    /**
     * The parameters trained by backprop: {@code params} without the state keys. What a runtime returns for DL4J's
     * {@code paramTable(true)} ("backprop parameters only"), which DL4J's {@code StatsListener} reports as parameters;
     * the updater and serialisation ask for {@code paramTable(false)}, which keeps the state.
     */
    static Map<String, INDArray> withoutState(Map<String, INDArray> params, Set<String> stateKeys) {
        if (stateKeys.isEmpty()) {
            return params;
        }
        Map<String, INDArray> trained = new LinkedHashMap<>(params);
        trained.keySet().removeAll(stateKeys);
        return trained;
    }

    /** Remembers the last training iteration at which the state was updated. */
    static final class StateClock {
        private long lastIteration = Long.MIN_VALUE;

        /** True exactly once per distinct iteration number. */
        boolean advance(long iteration) {
            if (iteration == lastIteration) {
                return false;
            }
            lastIteration = iteration;
            return true;
        }
    }
}
