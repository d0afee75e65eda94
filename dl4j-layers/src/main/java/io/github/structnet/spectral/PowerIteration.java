package io.github.structnet.spectral;

import io.github.structnet.kernels.Gemm;
import io.github.structnet.kernels.ThreadScratch;
import io.github.structnet.kernels.Vectors;
import org.nd4j.common.base.Preconditions;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Power iteration on AᵀA with a persistent vector: v ← AᵀA v / ‖AᵀA v‖, estimate σ̂ = ‖A v‖.
 * <p><b>Caveat.</b> The estimate converges to ‖A‖₂ from below: σ̂ ≤ ‖A‖₂ for every unit v. It is an
 * estimate, never a certificate; {@link GramIteration} gives a sound upper bound.
 * <p>No gradient flows through the vector: it is plain state, updated in place.
 *
 * @see <a href="https://arxiv.org/abs/1802.05957">Miyato et al. 2018, Spectral normalization</a>
 */
public final class PowerIteration {

    private PowerIteration() {
    }

    /**
     * Runs {@code steps} power-iteration steps on AᵀA, updating {@code v} in place (one vector, stored
     * as a batch of one: shape [1, …]). 0 steps only re-normalises v.
     *
     * @return the estimate ‖A v‖₂ for the final unit vector v (a lower bound of ‖A‖₂)
     * @throws IllegalStateException when the iteration produces non-finite values (NaN or infinite
     *                               weights), leaving v as the last finite step left it (unchanged when the
     *                               weights hold NaN or ∞, which the first step meets)
     */
    public static double iterate(LinearOperator a, INDArray v, int steps) {
        advance(a, v, steps);
        INDArray image = a.apply(v);
        double estimate = Vectors.norm2(image);
        if (image != v) {
            image.close();
        }
        if (!Double.isFinite(estimate)) {
            throw new IllegalStateException("Power iteration produced a non-finite estimate (" + estimate
                    + "): the operator's weights contain NaN or infinite values");
        }
        return estimate;
    }

    /**
     * The steps of {@link #iterate} without the final estimate (one application of A fewer), for callers that only
     * keep the vector: a layer's once-per-iteration state update. Each step costs A, Aᵀ, one norm and one scaling;
     * v itself is not re-normalised first (its scale does not change the direction of AᵀA v), so 0 steps normalise it.
     *
     * @throws IllegalStateException as {@link #iterate}
     */
    public static void advance(LinearOperator a, INDArray v, int steps) {
        Preconditions.checkArgument(steps >= 0, "Power iteration steps must be >= 0; got %s", steps);
        requireOneVector(v);
        if (steps == 0) {
            INDArray unit = normalised(v);
            v.assign(unit);
            unit.close();
            return;
        }
        for (int i = 0; i < steps; i++) {
            INDArray image = a.apply(v);
            try {
                advanceFrom(a, v, image);
            } finally {
                image.close();
            }
        }
    }

    /** One step v ← Aᵀ y / ‖Aᵀ y‖ from y = A v, in place on v; v is unchanged when it throws. */
    private static void advanceFrom(LinearOperator a, INDArray v, INDArray image) {
        INDArray next = a.applyAdjoint(image);
        try {
            takeDirection(next, v);
        } finally {
            next.close();
        }
    }

    /**
     * v ← next / ‖next‖ (no new ND4J array); v is unchanged when next is non-finite (throws) or zero (v then lies in
     * the null space of the operator and is kept; a zero v is refused).
     */
    private static void takeDirection(INDArray next, INDArray v) {
        double norm = Vectors.norm2(next);
        if (!Double.isFinite(norm)) {
            throw new IllegalStateException("Power iteration produced a non-finite value (" + norm
                    + "): the operator's weights contain NaN or infinite values");
        }
        if (norm > 0.0) {
            Vectors.scale(Vectors.copy(next, v), 1.0 / norm);
        } else {
            normalised(v).close();
        }
    }

    /**
     * Restores a power-iteration vector that was changed from outside (averaged with other copies) to unit norm, in
     * place, if it still carries a direction: finite with norm at least 1/2. An average of unit vectors has norm at
     * most 1; below 1/2 the copies pointed in disagreeing directions and the average estimates no singular vector.
     * A vector already of unit norm to within the rounding of its data type (16 ulp of 1 times √length) is left
     * bit for bit as it is.
     *
     * @return false, leaving v unchanged, when v is non-finite or shorter than 1/2 (re-derive it from the weights)
     */
    public static boolean restoreUnit(INDArray v) {
        double norm = Vectors.norm2(v);
        if (!Double.isFinite(norm) || norm < 0.5) {
            return false;
        }
        double unitRounding = v.dataType() == DataType.DOUBLE ? Math.ulp(1.0) : Math.ulp(1.0f);
        if (Math.abs(norm - 1) > 16 * unitRounding * Math.sqrt(v.length())) {
            v.divi(norm);
        }
        return true;
    }

    /**
     * {@link #advance(LinearOperator, INDArray, int)} for the matrix operator x ↦ W x (W [out, in], v [1, in]), with
     * W v and Wᵀ W v written into rows the thread reuses ({@link ThreadScratch}): no new ND4J array per step.
     *
     * @throws IllegalStateException as {@link #iterate}
     */
    public static void advance(INDArray w, INDArray v, int steps) {
        Preconditions.checkArgument(steps >= 0, "Power iteration steps must be >= 0; got %s", steps);
        requireOneVector(v);
        if (steps == 0 || w.rank() != 2 || v.rank() != 2 || w.dataType() != v.dataType()) {
            advance(LinearOperator.ofMatrix(w), v, steps);
            return;
        }
        INDArray image = ThreadScratch.row("powerIteration.image", v.dataType(), w.rows());
        INDArray next = ThreadScratch.row("powerIteration.next", v.dataType(), w.columns());
        for (int i = 0; i < steps; i++) {
            Gemm.accumulate(v, false, w, true, 1.0, 0.0, image);
            Gemm.accumulate(image, false, w, false, 1.0, 0.0, next);
            takeDirection(next, v);
        }
    }

    private static void requireOneVector(INDArray v) {
        Preconditions.checkArgument(v.size(0) == 1,
                "Power iteration keeps one vector (batch dimension 1); got shape %s",
                v.shapeInfoToString());
    }

    private static INDArray normalised(INDArray v) {
        double norm = Vectors.norm2(v);
        if (!Double.isFinite(norm)) {
            throw new IllegalStateException("The power-iteration vector contains NaN or infinite values (norm " + norm
                    + ")");
        }
        Preconditions.checkState(norm > 0, "The power-iteration vector is zero; initialise it with a random vector");
        return v.div(norm);
    }
}
