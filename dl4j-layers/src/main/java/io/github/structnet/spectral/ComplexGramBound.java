package io.github.structnet.spectral;

import io.github.structnet.kernels.HermitianSquares;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Broadcast;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * The largest spectral norm of a stream of complex matrices M, given by their Gram matrices G₀ = Mᴴ M (or M Mᴴ),
 * bounded from above by Gram iteration (internal): what {@link ConvolutionNorm} needs for every frequency.
 * <pre>
 *   G_{j+1} = (G_j / f_j)²,   f_j = ‖G_j‖_F
 *   U_j = ( Σ_{i&lt;j} log f_i / 2^i + log f_j / 2^j ) / 2     ≥ log ‖M‖₂
 *   L_j = U_j − log(g) / 2^{j+2}                          ≤ log ‖M‖₂     (g the size of G, ‖G‖_F ≤ √g ‖G‖₂)
 * </pre>
 * G_j is Hermitian, A + iB with A symmetric and B antisymmetric, so G_j² = A² − B² + i(AB − (AB)ᵀ): three real products
 * per squaring. A matrix whose upper bound U_j falls below the largest lower bound L seen so far (in this batch or an
 * earlier one) cannot hold the maximum, and is dropped from the squarings that follow; the maximum itself is never
 * dropped, because its upper bound is at least its norm, which is at least every lower bound.
 * <p><b>Guarantee.</b> {@link #upperBound()} is never below the largest ‖M‖₂ added (up to the rounding of double
 * precision, which the caller's margin covers) and exceeds it by at most the factor g^{1/2^{k+2}} for k squarings.
 */
final class ComplexGramBound {

    /** Relative slack before a matrix is dropped, far above the rounding of the bounds in double precision. */
    private static final double PRUNE_SLACK = 1e-9;

    private final int iterations;
    private double maxUpper = 0.0;
    private double maxLower = 0.0;

    ComplexGramBound(int iterations) {
        this.iterations = iterations;
    }

    /** A bound of max ‖M‖₂ over every matrix added so far (0 before any). */
    synchronized double upperBound() {
        return maxUpper;
    }

    private synchronized void raise(double upper, double lower) {
        maxUpper = Math.max(maxUpper, upper);
        maxLower = Math.max(maxLower, lower);
    }

    private synchronized double floor() {
        return maxLower * (1 - PRUNE_SLACK);
    }

    /**
     * Adds a batch of Gram matrices G₀ = a + i·b of matrices M (‖M‖₂² = ‖G₀‖₂): on OpenBLAS directly, one matrix at a
     * time on each core ({@link HermitianSquares}), where it is available, else on ND4J's batched products.
     *
     * @param a real parts [batch, g, g], double, c order, symmetric; may be overwritten
     * @param b imaginary parts [batch, g, g], double, c order, antisymmetric; may be overwritten
     */
    void add(INDArray a, INDArray b) {
        if (HermitianSquares.available() && a.dataType() == DataType.DOUBLE && b.dataType() == DataType.DOUBLE
                && contiguous(a) && contiguous(b)) {
            addDirect(a, b);
        } else {
            addBatched(a, b);
        }
    }

    /** The route of {@link HermitianSquares}: each core iterates its share of the matrices one at a time. */
    void addDirect(INDArray a, INDArray b) {
        int batch = (int) a.size(0);
        int n = (int) a.size(1);
        double logSize = Math.log(n);
        int threads = Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), batch));
        IntStream.range(0, threads).parallel().forEach(t -> {
            HermitianSquares.Workspace w = new HermitianSquares.Workspace(n);
            try {
                for (int m = t; m < batch; m += threads) {
                    iterateOne(a, b, m, w, logSize);
                }
            } finally {
                w.close();
            }
        });
    }

    /** Gram iteration of one matrix, stopped early once it cannot hold the maximum. */
    private void iterateOne(INDArray a, INDArray b, int index, HermitianSquares.Workspace w, double logSize) {
        double f = HermitianSquares.load(a, b, index, w);
        double logSum = 0.0;
        double weight = 1.0;
        for (int j = 0; ; j++) {
            if (f == 0.0) {
                return; // M = 0: norm 0
            }
            double log = logUpper(logSum, weight, f);
            double upper = Math.exp(log);
            double lower = Math.exp(logLower(log, weight, logSize));
            if (j == iterations) {
                raise(upper, lower);
                return;
            }
            raise(0.0, lower);
            if (upper < floor()) {
                return;
            }
            logSum += weight * Math.log(f);
            f = HermitianSquares.square(w, f);
            weight *= 0.5;
        }
    }

    /** The route of ND4J's batched products, all matrices of the batch together. */
    void addBatched(INDArray a, INDArray b) {
        int batch = (int) a.size(0);
        double logSize = Math.log(a.size(1));
        int[] alive = new int[batch];
        Arrays.setAll(alive, i -> i);
        double[] logSum = new double[batch];
        double weight = 1.0;
        for (int j = 0; ; j++) {
            double[] f = frobenius(a, b);
            double[] upper = new double[alive.length];
            for (int m = 0; m < alive.length; m++) {
                int id = alive[m];
                // log 0 = −∞: a zero matrix has norm 0
                double log = logUpper(logSum[id], weight, f[m]);
                upper[m] = Math.exp(log);
                raise(0.0, Math.exp(logLower(log, weight, logSize)));
            }
            if (j == iterations) {
                for (double u : upper) {
                    raise(u, 0.0);
                }
                return;
            }
            int[] keep = survivors(upper);
            if (keep.length == 0) {
                return;
            }
            for (int m = 0; m < alive.length; m++) {
                logSum[alive[m]] += weight * Math.log(f[m]);
            }
            INDArray norms = Nd4j.createFromArray(Arrays.stream(f).map(x -> Math.max(x, Double.MIN_NORMAL)).toArray());
            Broadcast.div(a, norms, a, 0);
            Broadcast.div(b, norms, b, 0);
            if (keep.length < alive.length) {
                a = rows(a, keep);
                b = rows(b, keep);
                int[] next = new int[keep.length];
                for (int m = 0; m < keep.length; m++) {
                    next[m] = alive[keep[m]];
                }
                alive = next;
            }
            // (A + iB)² = A² − B² + i(AB − (AB)ᵀ)
            INDArray ab = Nd4j.matmul(a, b);
            INDArray squareA = Nd4j.matmul(a, a).subi(Nd4j.matmul(b, b));
            b = ab.sub(ab.permute(0, 2, 1));
            a = squareA;
            weight *= 0.5;
        }
    }

    /** U_j = (Σ_{i<j} log f_i / 2^i + log f_j / 2^j) / 2 ≥ log ‖M‖₂, from the weighted log sum and f_j. */
    private static double logUpper(double logSum, double weight, double f) {
        return 0.5 * (logSum + weight * Math.log(f));
    }

    /** L_j = U_j − log(g) / 2^{j+2} ≤ log ‖M‖₂, since ‖G_j‖_F ≤ √g ‖G_j‖₂. */
    private static double logLower(double logUpper, double weight, double logSize) {
        return logUpper - 0.25 * weight * logSize;
    }

    /** Positions of the bounds that may still hold the maximum: those not below the largest lower bound. */
    private int[] survivors(double[] upper) {
        double floor = floor();
        return IntStream.range(0, upper.length).filter(m -> upper[m] >= floor).toArray();
    }

    private static boolean contiguous(INDArray x) {
        return x.ordering() == 'c' && Arrays.equals(x.stride(), Nd4j.getStrides(x.shape(), 'c'));
    }

    /** The given matrices of a batch [batch, g, g]. */
    private static INDArray rows(INDArray batch, int[] keep) {
        long g1 = batch.size(1);
        long g2 = batch.size(2);
        INDArray flat = batch.reshape('c', batch.size(0), g1 * g2);
        return Nd4j.pullRows(flat, 1, keep).reshape('c', keep.length, g1, g2);
    }

    /** √(‖x_b‖_F² + ‖y_b‖_F²) for each matrix b of two batches. */
    private static double[] frobenius(INDArray x, INDArray y) {
        double[] nx = x.norm2(1, 2).toDoubleVector();
        double[] ny = y.norm2(1, 2).toDoubleVector();
        for (int b = 0; b < nx.length; b++) {
            nx[b] = Math.hypot(nx[b], ny[b]);
        }
        return nx;
    }
}
