package io.github.structnet.kernels;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The repeated squaring of a Hermitian matrix, in double precision on the OpenBLAS library that ND4J's CPU backend
 * links, called on the calling thread (ND4J's batched products of small matrices are an order of magnitude slower).
 * <pre>
 *   G = A + iB Hermitian (A symmetric, B antisymmetric):   (G / f)² = (A² − B²) / f² + i (AB − (AB)ᵀ) / f²
 * </pre>
 * One {@link Workspace} per thread holds the matrices. {@link #available()} is false off ND4J's CPU backend (CUDA)
 * or where OpenBLAS cannot be loaded; callers then use ND4J's ops.
 */
public final class HermitianSquares {

    private HermitianSquares() {
    }

    /** Whether the direct route can run here. */
    public static boolean available() {
        return DirectBlas.available();
    }

    /** The current Hermitian matrix G = A + iB (n×n, row major) of one thread, and scratch space. */
    public static final class Workspace {
        private final int n;
        private DoublePointer a;
        private DoublePointer b;
        private DoublePointer nextA;
        private DoublePointer nextB;
        private final DoublePointer product;
        private final double[] productCopy;
        private final double[] antisymmetric;

        /** Room for n×n Hermitian matrices. */
        public Workspace(int n) {
            this.n = n;
            long size = (long) n * n;
            this.a = new DoublePointer(size);
            this.b = new DoublePointer(size);
            this.nextA = new DoublePointer(size);
            this.nextB = new DoublePointer(size);
            this.product = new DoublePointer(size);
            this.productCopy = new double[(int) size];
            this.antisymmetric = new double[(int) size];
        }

        /** Frees the native buffers. */
        public void close() {
            for (DoublePointer p : new DoublePointer[]{a, b, nextA, nextB, product}) {
                p.deallocate();
            }
        }
    }

    /**
     * Sets the workspace's G to matrix {@code index} of a batch of Hermitian matrices a + i·b and returns ‖G‖_F.
     *
     * @param a real parts [batch, n, n], double, c order, contiguous (symmetric)
     * @param b imaginary parts of the same shape (antisymmetric)
     */
    public static double load(INDArray a, INDArray b, long index, Workspace w) {
        long size = (long) w.n * w.n;
        if (a.dataType() != DataType.DOUBLE || b.dataType() != DataType.DOUBLE || a.size(1) != w.n
                || a.size(2) != w.n) {
            throw new IllegalArgumentException("HermitianSquares.load: double [batch, " + w.n + ", " + w.n
                    + "] matrices are needed; got " + a.shapeInfoToString());
        }
        DoublePointer sourceA = new DoublePointer(a.data().addressPointer()).position(index * size);
        DoublePointer sourceB = new DoublePointer(b.data().addressPointer()).position(index * size);
        openblas_nolapack.cblas_dcopy((int) size, sourceA, 1, w.a, 1);
        openblas_nolapack.cblas_dcopy((int) size, sourceB, 1, w.b, 1);
        return frobenius(w);
    }

    /** Replaces the workspace's G by (G / f)² and returns the new ‖G‖_F. */
    public static double square(Workspace w, double f) {
        int n = w.n;
        double alpha = 1.0 / (f * f);
        multiply(n, alpha, w.a, w.a, 0.0, w.nextA);
        multiply(n, -alpha, w.b, w.b, 1.0, w.nextA);
        multiply(n, alpha, w.a, w.b, 0.0, w.product);
        // B' = P − Pᵀ, exactly antisymmetric
        w.product.get(w.productCopy);
        for (int r = 0; r < n; r++) {
            w.antisymmetric[r * n + r] = 0.0;
            for (int c = r + 1; c < n; c++) {
                double v = w.productCopy[r * n + c] - w.productCopy[c * n + r];
                w.antisymmetric[r * n + c] = v;
                w.antisymmetric[c * n + r] = -v;
            }
        }
        w.nextB.put(w.antisymmetric);
        DoublePointer swapA = w.a;
        DoublePointer swapB = w.b;
        w.a = w.nextA;
        w.b = w.nextB;
        w.nextA = swapA;
        w.nextB = swapB;
        return frobenius(w);
    }

    /** ‖A + iB‖_F of the workspace's G. */
    private static double frobenius(Workspace w) {
        int size = w.n * w.n;
        return Math.hypot(openblas_nolapack.cblas_dnrm2(size, w.a, 1), openblas_nolapack.cblas_dnrm2(size, w.b, 1));
    }

    /** C ← α X Y + β C for n×n row-major matrices. */
    private static void multiply(int n, double alpha, DoublePointer x, DoublePointer y, double beta, DoublePointer c) {
        openblas_nolapack.cblas_dgemm(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans,
                openblas_nolapack.CblasNoTrans, n, n, n, alpha, x, n, y, n, beta, c, n);
    }
}
