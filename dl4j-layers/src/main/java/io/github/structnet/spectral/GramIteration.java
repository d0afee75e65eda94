package io.github.structnet.spectral;

import io.github.structnet.kernels.Release;
import org.nd4j.common.base.Preconditions;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A sound upper bound of the spectral norm of a dense matrix by Gram iteration.
 * <pre>
 *   G₀ = W Wᵀ (or Wᵀ W, the smaller),   G_{j+1} = (G_j / f_j)²,   f_j = ‖G_j‖_F
 *   ‖W‖₂² = ‖G₀‖₂ ≤ ( ‖G_k‖_F · ∏_{j<k} f_j^{2^{k−j}} )^{1/2^k}
 *   log ‖W‖₂ ≤ ½ ( Σ_{j<k} log f_j / 2^j + log ‖G_k‖_F / 2^k )
 * </pre>
 * <b>Guarantee.</b> The bound is never below ‖W‖₂ (the Frobenius norm bounds the spectral norm of the
 * symmetric power G₀^{2^k}); it overestimates by at most the factor rank^{1/2^{k+2}} (1.0017 for rank 1024
 * and k = 10). It is computed in double precision and widened by a relative {@link #ROUNDING_MARGIN}
 * that covers the rounding of the matrix products.
 * <p>Cost: one product for G₀ and k products of size min(m, n)².
 *
 * @see <a href="https://arxiv.org/abs/2305.16173">Delattre, Barthélemy, Araujo, Allauzen 2023, Efficient bound of
 * Lipschitz constant for convolutional layers by Gram iteration</a>
 */
public final class GramIteration {

    /** Default number of squarings. */
    public static final int DEFAULT_ITERATIONS = 12;
    /** Relative widening of the bound for floating-point rounding (double precision). */
    public static final double ROUNDING_MARGIN = 1e-9;

    private GramIteration() {
    }

    /** A sound upper bound of ‖W‖₂ with {@link #DEFAULT_ITERATIONS} squarings. */
    public static double upperBound(INDArray w) {
        return upperBound(w, DEFAULT_ITERATIONS);
    }

    /**
     * A sound upper bound of ‖W‖₂ for a rank-2 matrix.
     *
     * @param w          the matrix (any data type; the computation runs on a double copy)
     * @param iterations number of squarings k ≥ 0
     * @throws IllegalArgumentException for non-finite entries
     */
    public static double upperBound(INDArray w, int iterations) {
        Preconditions.checkArgument(w != null && w.rank() == 2, "GramIteration needs a rank-2 matrix; got %s",
                w == null ? null : w.shapeInfoToString());
        Preconditions.checkArgument(iterations >= 0, "GramIteration iterations must be >= 0; got %s", iterations);
        // temporaries are closed as soon as they are used: for a large dense layer each is hundreds of megabytes
        INDArray copy = w.dataType() == DataType.DOUBLE ? w : w.castTo(DataType.DOUBLE);
        double frobenius = copy.norm2Number().doubleValue();
        Preconditions.checkArgument(Double.isFinite(frobenius),
                "GramIteration: the matrix contains NaN or infinite values");
        if (frobenius == 0.0) {
            release(copy, w);
            return 0.0;
        }
        INDArray m = copy.div(frobenius); // scale to unit Frobenius norm; undone at the end
        release(copy, w);
        INDArray g = m.rows() <= m.columns() ? m.mmul(m.transpose()) : m.transpose().mmul(m);
        Release.all(m);
        double logBound = 0.0; // bound on log ‖G₀‖₂
        double weight = 1.0;   // 1 / 2^j
        for (int j = 0; j < iterations; j++) {
            double f = g.norm2Number().doubleValue();
            if (f == 0.0) {
                Release.all(g);
                return 0.0;
            }
            logBound += weight * Math.log(f);
            g.divi(f);
            INDArray squared = g.mmul(g);
            Release.all(g);
            g = squared;
            weight *= 0.5;
        }
        double fLast = g.norm2Number().doubleValue();
        Release.all(g);
        if (fLast == 0.0) {
            return 0.0;
        }
        logBound += weight * Math.log(fLast);
        return frobenius * Math.exp(0.5 * logBound) * (1.0 + ROUNDING_MARGIN);
    }

    /** Closes a temporary unless it is the caller's array. */
    private static void release(INDArray temporary, INDArray callers) {
        if (temporary != callers) {
            Release.all(temporary);
        }
    }
}
