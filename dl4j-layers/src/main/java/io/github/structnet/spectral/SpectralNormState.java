package io.github.structnet.spectral;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.controlflow.compat.StopGradient;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The spectral norm of a layer's weight matrix W as layers use it: a differentiable estimate in the graph,
 * a persistent power-iteration vector v as state, and a certified value at inference.
 * <pre>
 *   σ_used(W) = ‖W v‖₂ · c,   v = stopgrad(v) (unit),
 *   c = 1                      while training  (Miyato's estimate; gradients flow through ‖W v‖₂),
 *   c = B(W) / ‖W v‖₂ ≥ 1      at inference     (B = {@link GramIteration} bound, so σ_used = B(W) ≥ ‖W‖₂).
 * </pre>
 * <b>Guarantee.</b> At inference σ_used ≥ ‖W‖₂ for the weights the layer runs with (after training, after
 * reload, after {@code setParams}): c is recomputed from W at every inference pass. While training σ_used
 * is the power-iteration estimate, which may be slightly below ‖W‖₂.
 */
public final class SpectralNormState {

    /** Name suffix of the scale placeholder c. */
    public static final String SCALE_SUFFIX = "_normScale";

    private SpectralNormState() {
    }

    /**
     * Declares σ_used = ‖W vᵀ‖₂ · c on the graph, with the placeholder {@code c} named {@code prefix + SCALE_SUFFIX}.
     *
     * @param w [out, in] weight variable
     * @param v [1, in] power-iteration vector variable (state)
     * @return a [1, 1] variable
     */
    public static SDVariable define(SameDiff sd, String prefix, SDVariable w, SDVariable v) {
        SDVariable direction = new StopGradient(sd, v).outputVariable();
        SDVariable image = sd.mmul(direction, w, false, true, false);
        SDVariable scale = sd.placeHolder(prefix + SCALE_SUFFIX, w.dataType(), 1, 1);
        // [1, 1] rather than rank 0: SameDiff's broadcast gradients are exact for [1, 1] operands
        return sd.norm2(image, true, 1).div(sd.norm2(direction, true, 1)).mul(scale);
    }

    /**
     * The value of the scale placeholder c for one pass: 1 while training, B(W)/‖W v‖₂ at inference.
     *
     * @param owner names the layer in error messages
     */
    public static INDArray scale(INDArray w, INDArray v, boolean training, String owner) {
        if (training) {
            return Nd4j.ones(w.dataType(), 1, 1);
        }
        double bound;
        try {
            bound = GramIteration.upperBound(w);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(owner + ": cannot certify the spectral norm of W: " + e.getMessage(), e);
        }
        return scaleFor(LinearOperator.ofMatrix(w), v, bound, w.dataType());
    }

    /** c = max(1, B / ‖A v̂‖₂) as a [1, 1] array: the factor that lifts the graph's estimate to the bound B. */
    static INDArray scaleFor(LinearOperator a, INDArray v, double bound, DataType dataType) {
        double estimate = estimate(a, v);
        double c = estimate > 0 ? Math.max(1.0, bound / estimate) : 1.0;
        return Nd4j.valueArrayOf(new long[]{1, 1}, c, dataType);
    }

    /**
     * The power-iteration estimate ‖A v̂‖₂ with v̂ = v/‖v‖₂: a lower bound of ‖A‖₂, the σ a training pass divides by.
     */
    public static double estimate(LinearOperator a, INDArray v) {
        return a.apply(v.div(v.norm2Number())).norm2Number().doubleValue();
    }

    /** The power-iteration estimate ‖W v̂‖₂ of σ_W for the state vector v [1, nIn]. */
    public static double estimate(INDArray w, INDArray v) {
        return estimate(LinearOperator.ofMatrix(w), v);
    }

    /** One training iteration's power-iteration steps on W, in place on v. */
    public static void update(INDArray w, INDArray v, int steps, String owner) {
        try {
            PowerIteration.advance(w, v, steps);
        } catch (IllegalStateException e) {
            throw invalidState(owner, e);
        }
    }

    /** One training iteration's power-iteration steps on any operator, in place on v. */
    static void update(LinearOperator a, INDArray v, int steps, String owner) {
        try {
            PowerIteration.advance(a, v, steps);
        } catch (IllegalStateException e) {
            throw invalidState(owner, e);
        }
    }

    private static IllegalStateException invalidState(String owner, IllegalStateException e) {
        return new IllegalStateException(owner + ": the power-iteration state became invalid (" + e.getMessage()
                + "). The weights W contain NaN or infinite values; lower the learning rate or clip gradients.", e);
    }

    /** Fills v with a random unit vector and runs {@code steps} iterations on the initial W. */
    public static void initialise(INDArray w, INDArray v, int steps, String owner) {
        v.assign(Nd4j.randn(v.dataType(), v.shape()));
        update(w, v, steps, owner);
    }
}
