package io.github.structnet.kernels;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Matrix products through ND4J's BLAS gemm, C ← α op(A) op(B) + β C with op the identity or the transpose.
 * Transposes are flags, never copies; inputs may be views or of either order.
 * <p>Routes: products of up to 2²² multiply–adds (a width-64 or width-128 dense layer) call OpenBLAS directly, in row
 * blocks that it runs on the calling thread ({@code DirectBlas}), which inside a training step avoids waiting for
 * ND4J's OpenMP threads; larger float products with β = 0 or 1 go to oneDNN's matmul, called directly
 * ({@code DirectMatmul}); the rest through {@code Nd4j.gemm}. All routes give the same values up to rounding.
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
        Dims d = Dims.check(a, transposeA, b, transposeB, c);
        if (!DirectBlas.gemm(a, transposeA, b, transposeB, alpha, beta, c, d.rows(), d.columns(), d.inner())
                && !DirectMatmul.gemm(a, transposeA, b, transposeB, alpha, beta, c, d.rows(), d.columns(), d.inner())) {
            Nd4j.gemm(a, b, c, transposeA, transposeB, alpha, beta);
        }
        return c;
    }

    /**
     * C ← σ(op(A) op(B) + 1 r): an affine map of the rows of op(A) with the bias row r [1, n], σ = ReLU when
     * {@code rectify}, else the identity. Float products past 2²² multiply–adds run as one oneDNN matmul with r as its
     * bias and ReLU as a post-op (one pass over C instead of three calls); others as {@link #broadcastRow},
     * {@link #accumulate} and ReLU in place. Returns C.
     *
     * @throws IllegalArgumentException as {@link #accumulate}, or if r does not have n elements
     */
    public static INDArray affine(INDArray a, boolean transposeA, INDArray b, boolean transposeB, INDArray row,
                                  boolean rectify, INDArray c) {
        Dims d = Dims.check(a, transposeA, b, transposeB, c);
        if (row.length() != d.columns()) {
            throw new IllegalArgumentException("Gemm: a bias row of " + row.length() + " elements for " + d.columns()
                    + " columns");
        }
        if (DirectMatmul.affine(a, transposeA, b, transposeB, row, rectify, c, d.rows(), d.columns(), d.inner())) {
            return c;
        }
        accumulate(a, transposeA, b, transposeB, 1.0, 1.0, broadcastRow(row, 0.0, c));
        return rectify ? ActivationPass.activate(org.nd4j.linalg.activations.Activation.RELU, c, c, true) : c;
    }

    /**
     * C ← α op(A) op(B) + D, with D shaped like C (a residual: the input plus a correction). Float products past 2²²
     * multiply–adds run as one oneDNN matmul that reads D through a binary-add post-op; others copy D into C and
     * accumulate. D may be any matrix of C's shape; C is as in {@link #accumulate}. Returns C.
     *
     * @throws IllegalArgumentException as {@link #accumulate}, or if D is not shaped like C
     */
    public static INDArray onto(INDArray a, boolean transposeA, INDArray b, boolean transposeB, double alpha,
                                INDArray d, INDArray c) {
        Dims dims = Dims.check(a, transposeA, b, transposeB, c);
        if (d.rank() != 2 || d.rows() != dims.rows() || d.columns() != dims.columns()) {
            throw new IllegalArgumentException("Gemm: cannot add " + java.util.Arrays.toString(d.shape()) + " to a "
                    + dims.rows() + "×" + dims.columns() + " product");
        }
        if (DirectMatmul.onto(a, transposeA, b, transposeB, alpha, d, c, dims.rows(), dims.columns(), dims.inner())) {
            return c;
        }
        return accumulate(a, transposeA, b, transposeB, alpha, 1.0, Vectors.copy(d, c));
    }

    /**
     * C ← 1 r + β C: writes (β = 0) or adds (β = 1) the row vector r [1, n] to every row of C [m, n], as a rank-one
     * product with a cached column of ones (one BLAS call instead of ND4J's slower broadcast). Returns C.
     */
    public static INDArray broadcastRow(INDArray row, double beta, INDArray c) {
        // a view costs ND4J a new array (shape information and its deallocator): reshape only when needed
        INDArray r = row.rank() == 2 && row.rows() == 1 ? row : row.reshape(1, row.length());
        return accumulate(Constants.ones(c.dataType(), c.rows()), false, r, false, 1.0, beta, c);
    }

    /** The dimensions of op(A) [rows, inner] · op(B) [inner, columns], checked against each other and C. */
    private record Dims(long rows, long inner, long columns) {

        static Dims check(INDArray a, boolean transposeA, INDArray b, boolean transposeB, INDArray c) {
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
            return new Dims(rows, inner, columns);
        }
    }

    /** Row-major with rows packed one after another (a view of consecutive elements qualifies). */
    private static boolean isContiguousRowMajor(INDArray c) {
        return (c.columns() == 1 || c.stride(1) == 1) && (c.rows() == 1 || c.stride(0) == c.columns());
    }

    private static String describe(INDArray m, boolean transposed) {
        return java.util.Arrays.toString(m.shape()) + (transposed ? "ᵀ" : "");
    }
}
