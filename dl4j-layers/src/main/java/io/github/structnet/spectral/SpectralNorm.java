package io.github.structnet.spectral;

import org.nd4j.common.base.Preconditions;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The exact spectral norm ‖W‖₂ = σ_max(W) by singular value decomposition (LAPACK gesvd, double).
 * <p>Cost O(m n min(m, n)): meant for tests, small layers and checking the estimates of
 * {@link PowerIteration} and the bounds of {@link GramIteration}.
 */
public final class SpectralNorm {

    private SpectralNorm() {
    }

    /** The largest singular value of a rank-2 matrix. */
    public static double exact(INDArray w) {
        return singularValues(w).maxNumber().doubleValue();
    }

    /** All singular values of a rank-2 matrix, as a vector of length min(m, n). */
    public static INDArray singularValues(INDArray w) {
        Preconditions.checkArgument(w != null && w.rank() == 2, "SpectralNorm needs a rank-2 matrix; got %s",
                w == null ? null : w.shapeInfoToString());
        INDArray a = w.castTo(DataType.DOUBLE).dup('f');
        long k = Math.min(a.rows(), a.columns());
        INDArray s = Nd4j.create(DataType.DOUBLE, k);
        Nd4j.getBlasWrapper().lapack().gesvd(a, s, null, null);
        return s;
    }
}
