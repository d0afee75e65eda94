package io.github.structnet.kernels;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Matrix products through ND4J's BLAS gemm, C ← α op(A) op(B) + β C with op the identity or the transpose.
 * Transposes are flags, never copies; inputs may be views or of either order. In ND4J 1.0.0-M2.1 this is 2–4× faster
 * than {@code INDArray.mmul} at the sizes of a dense layer (see the package documentation).
 * <p>Calling OpenBLAS's {@code cblas_sgemm} directly on the arrays' buffers was measured too: 3× less overhead on a
 * single small product, but 1.5–1.8× slower inside a training step, where OpenBLAS's threads and the OpenMP threads
 * of ND4J's other ops contend for the cores.
 */
public final class Gemm {

    private Gemm() {
    }

    /** A new c-order matrix op(A) op(B). */
    public static INDArray product(INDArray a, boolean transposeA, INDArray b, boolean transposeB) {
        long rows = transposeA ? a.columns() : a.rows();
        long columns = transposeB ? b.rows() : b.columns();
        INDArray c = Nd4j.createUninitialized(a.dataType(), rows, columns);
        return accumulate(a, transposeA, b, transposeB, 1.0, 0.0, c);
    }

    /**
     * C ← α op(A) op(B) + β C in place; returns C. C must be a contiguous c-order matrix (it may be a view of
     * consecutive elements, such as a parameter's gradient view).
     *
     * @throws IllegalArgumentException if the shapes do not chain or C is not contiguous and row-major
     */
    public static INDArray accumulate(INDArray a, boolean transposeA, INDArray b, boolean transposeB, double alpha,
                                      double beta, INDArray c) {
        long rows = transposeA ? a.columns() : a.rows();
        long inner = transposeA ? a.rows() : a.columns();
        long innerB = transposeB ? b.columns() : b.rows();
        long columns = transposeB ? b.rows() : b.columns();
        if (a.rank() != 2 || b.rank() != 2 || inner != innerB || c.rows() != rows || c.columns() != columns) {
            throw new IllegalArgumentException("Gemm: cannot multiply " + describe(a, transposeA) + " by "
                    + describe(b, transposeB) + " into " + java.util.Arrays.toString(c.shape()));
        }
        if (!isContiguousRowMajor(c)) {
            throw new IllegalArgumentException("Gemm: the result must be a contiguous c-order matrix, got strides "
                    + java.util.Arrays.toString(c.stride()) + " for shape " + java.util.Arrays.toString(c.shape()));
        }
        Nd4j.gemm(a, b, c, transposeA, transposeB, alpha, beta);
        return c;
    }

    /** Row-major with rows packed one after another (a view of consecutive elements qualifies). */
    private static boolean isContiguousRowMajor(INDArray c) {
        return (c.columns() == 1 || c.stride(1) == 1) && (c.rows() == 1 || c.stride(0) == c.columns());
    }

    private static String describe(INDArray m, boolean transposed) {
        return java.util.Arrays.toString(m.shape()) + (transposed ? "ᵀ" : "");
    }
}
