package io.github.structnet.spectral;

import org.nd4j.common.base.Preconditions;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.eigen.Eigen;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The exact spectral norm ‖W‖₂ = σ_max(W) and the singular values of W, as square roots of the eigenvalues of the
 * smaller Gram matrix (LAPACK syev, double).
 * <p>Not gesvd: ND4J 1.0.0-M2.1's {@code gesvd} returns wrong singular values for some non-square matrices
 * (576×144: 163.5 where the true norm, confirmed by syev and power iteration, is 35.9).
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
        INDArray a = w.castTo(DataType.DOUBLE);
        INDArray gram = a.rows() <= a.columns() ? a.mmul(a.transpose()) : a.transpose().mmul(a);
        INDArray eigenvalues = Eigen.symmetricGeneralizedEigenvalues(gram.dup('f'), true);
        return Transforms.sqrt(Transforms.relu(eigenvalues, false), false);
    }
}
