package io.github.structnet.kernels;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Direct calls into the OpenBLAS library that ND4J's CPU backend links, for small operands. Inside a training step
 * {@code Nd4j.gemm} runs on ND4J's OpenMP threads, which must wake up and share the cores; a call here runs on the
 * calling thread.
 * <p>Products are cut into row blocks of fewer than 2¹⁸ multiply–adds, the size below which OpenBLAS 0.3.19 runs a
 * gemm on the calling thread alone: inside a training step its worker threads otherwise contend for the cores with
 * ND4J's OpenMP threads. Larger products ({@link #MAX_PRODUCT_WORK}) stay with ND4J, whose oneDNN
 * product uses both cores without that contention.
 * <p>Every method returns false (and does nothing) when it cannot take the operands: another backend (CUDA), the
 * direct routes switched off ({@link OneDnn#SWITCH_PROPERTY}), another
 * data type than float or double, strides BLAS cannot express, or operands too large; callers then use ND4J.
 */
final class DirectBlas {

    /** Products of at most this many multiply–adds are computed here (row blocks on the calling thread). */
    static final long MAX_PRODUCT_WORK = 1L << 22;
    /** Vectors of at most this many elements are reduced here. */
    static final long MAX_VECTOR_LENGTH = 1L << 18;
    /** OpenBLAS 0.3.19 runs a gemm of fewer multiply–adds than 65536·4 single-threaded. */
    private static final long SINGLE_THREAD_WORK = (1L << 18) - 1;
    private static final boolean AVAILABLE = probe();

    private DirectBlas() {
    }

    /**
     * Whether OpenBLAS can be called directly here (ND4J's CPU backend, library loaded, direct routes not switched off
     * with {@link OneDnn#SWITCH_PROPERTY}).
     */
    static boolean available() {
        return AVAILABLE && !OneDnn.switchedOff();
    }

    private static boolean probe() {
        try {
            if (!"CpuBackend".equals(Nd4j.getBackend().getClass().getSimpleName())) {
                return false;
            }
            // the library ND4J's CPU backend has loaded already; a failure here leaves every call to ND4J
            return Loader.load(openblas_nolapack.class) != null;
        } catch (Throwable notLinked) {
            return false;
        }
    }

    /** C ← α op(A) op(B) + β C with op(A) [m, k] and op(B) [k, n], if the operands allow it. */
    static boolean gemm(INDArray a, boolean transposeA, INDArray b, boolean transposeB, double alpha, double beta,
                        INDArray c, long m, long n, long k) {
        DataType type = c.dataType();
        long work = m * n * k;
        if (!available() || work > MAX_PRODUCT_WORK || !isBlasType(type) || a.dataType() != type
                || b.dataType() != type || work == 0) {
            return false;
        }
        if (Math.min(m, n) == 1 && work > SINGLE_THREAD_WORK) {
            return false; // a large matrix–vector product is memory-bound: ND4J's runs on both cores
        }
        Layout la = Layout.of(a, transposeA);
        Layout lb = Layout.of(b, transposeB);
        if (la == null || lb == null) {
            return false;
        }
        int ldc = (int) (m == 1 ? n : c.stride(0));
        long blockRows = Math.max(1, SINGLE_THREAD_WORK / (n * k));
        long rowStepA = la.flag == openblas_nolapack.CblasNoTrans ? la.ld : 1; // elements between rows of op(A)
        for (long row = 0; row < m; row += blockRows) {
            int rows = (int) Math.min(blockRows, m - row);
            if (type == DataType.FLOAT) {
                openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, la.flag, lb.flag, rows, (int) n,
                        (int) k, (float) alpha, floats(a, row * rowStepA), la.ld, floats(b, 0), lb.ld, (float) beta,
                        floats(c, row * ldc), ldc);
            } else {
                openblas_nolapack.cblas_dgemm(openblas_nolapack.CblasRowMajor, la.flag, lb.flag, rows, (int) n,
                        (int) k, alpha, doubles(a, row * rowStepA), la.ld, doubles(b, 0), lb.ld, beta,
                        doubles(c, row * ldc), ldc);
            }
        }
        return true;
    }

    /** ⟨x, y⟩ in {@code out[0]} for two contiguous vectors (any shape) of equal length, if they allow it. */
    static boolean dot(INDArray x, INDArray y, double[] out) {
        if (!vectorReady(x) || !vectorReady(y) || x.length() != y.length() || x.dataType() != y.dataType()) {
            return false;
        }
        int n = (int) x.length();
        out[0] = x.dataType() == DataType.FLOAT
                ? openblas_nolapack.cblas_sdot(n, floats(x, 0), 1, floats(y, 0), 1)
                : openblas_nolapack.cblas_ddot(n, doubles(x, 0), 1, doubles(y, 0), 1);
        return true;
    }

    /** ‖x‖₂ in {@code out[0]} for a contiguous vector (any shape), if it allows it. */
    static boolean norm2(INDArray x, double[] out) {
        if (!vectorReady(x)) {
            return false;
        }
        int n = (int) x.length();
        out[0] = x.dataType() == DataType.FLOAT
                ? openblas_nolapack.cblas_snrm2(n, floats(x, 0), 1)
                : openblas_nolapack.cblas_dnrm2(n, doubles(x, 0), 1);
        return true;
    }

    /** y ← x for two contiguous arrays (any shapes) of equal length and type, if they allow it. */
    static boolean copy(INDArray x, INDArray y) {
        if (!vectorReady(x) || !vectorReady(y) || x.length() != y.length() || x.dataType() != y.dataType()) {
            return false;
        }
        int n = (int) x.length();
        if (x.dataType() == DataType.FLOAT) {
            openblas_nolapack.cblas_scopy(n, floats(x, 0), 1, floats(y, 0), 1);
        } else {
            openblas_nolapack.cblas_dcopy(n, doubles(x, 0), 1, doubles(y, 0), 1);
        }
        return true;
    }

    /** x ← α x in place for a contiguous array (any shape), if it allows it. */
    static boolean scale(INDArray x, double alpha) {
        if (!vectorReady(x)) {
            return false;
        }
        int n = (int) x.length();
        if (x.dataType() == DataType.FLOAT) {
            openblas_nolapack.cblas_sscal(n, (float) alpha, floats(x, 0), 1);
        } else {
            openblas_nolapack.cblas_dscal(n, alpha, doubles(x, 0), 1);
        }
        return true;
    }

    private static boolean vectorReady(INDArray x) {
        return available() && isBlasType(x.dataType()) && x.length() > 0 && x.length() <= MAX_VECTOR_LENGTH
                && isContiguous(x);
    }

    /**
     * Elements laid out one after another in c order, whatever the shape (a view of consecutive elements too), so that
     * a c-order reshape is a view and BLAS may read the buffer as one vector.
     */
    static boolean isContiguous(INDArray x) {
        long expected = 1;
        for (int d = x.rank() - 1; d >= 0; d--) {
            if (x.size(d) != 1 && x.stride(d) != expected) {
                return false;
            }
            expected *= x.size(d);
        }
        return true;
    }

    static boolean isBlasType(DataType type) {
        return type == DataType.FLOAT || type == DataType.DOUBLE;
    }

    /** The address of element {@code shift} past x's first element (ND4J's buffer address includes the offset). */
    private static FloatPointer floats(INDArray x, long shift) {
        return new FloatPointer(x.data().addressPointer()).position(shift);
    }

    private static DoublePointer doubles(INDArray x, long shift) {
        return new DoublePointer(x.data().addressPointer()).position(shift);
    }

    /** The cblas transpose flag and leading dimension that read op(X) in row-major terms from X's strides. */
    private record Layout(int flag, int ld) {

        static Layout of(INDArray x, boolean transposed) {
            if (x.rank() != 2) {
                return null;
            }
            long rows = x.rows();
            long columns = x.columns();
            if (columns == 1 || x.stride(1) == 1) {
                long ld = rows == 1 ? columns : x.stride(0);
                if (ld >= columns && ld <= Integer.MAX_VALUE) {
                    return new Layout(transposed ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                            (int) ld);
                }
            }
            if (rows == 1 || x.stride(0) == 1) {
                long ld = columns == 1 ? rows : x.stride(1);
                if (ld >= rows && ld <= Integer.MAX_VALUE) {
                    return new Layout(transposed ? openblas_nolapack.CblasNoTrans : openblas_nolapack.CblasTrans,
                            (int) ld);
                }
            }
            return null;
        }
    }
}
