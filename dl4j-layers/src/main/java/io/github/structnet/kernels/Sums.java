package io.github.structnet.kernels;

import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;

/**
 * Sums as matrix–vector products with a vector of ones, which on the CPU backend read memory faster than ND4J
 * 1.0.0-M2.1's reductions. NaN and ±∞ propagate as in any sum.
 * <p>Float and double arrays only, stored contiguously in c order (a view of consecutive elements qualifies); any
 * other array goes through ND4J's reduction, with the same result up to rounding.
 * The vectors of ones are {@link Constants}.
 */
public final class Sums {

    private Sums() {
    }

    /** Σᵢ xᵢ over every element. */
    public static double total(INDArray x) {
        if (!blasReady(x) || x.length() == 0) {
            return x.sumNumber().doubleValue();
        }
        long rows = x.rank() >= 2 ? x.size(0) : 1;
        long columns = x.length() / rows;
        INDArray matrix = x.rank() == 2 ? x : x.reshape('c', rows, columns);
        // the column sums in a row the thread reuses: no new ND4J array for a matrix
        INDArray columnSums = ThreadScratch.row("Sums.total", x.dataType(), columns);
        Gemm.accumulate(Constants.ones(x.dataType(), rows), true, matrix, false, 1.0, 0.0, columnSums);
        return Vectors.dot(columnSums, Constants.ones(x.dataType(), columns));
    }

    /**
     * True when no element is NaN or ±∞: the total decides (any NaN or infinity makes it non-finite) unless it
     * overflows, and only then is every element tested.
     */
    public static boolean allFinite(INDArray x) {
        if (Double.isFinite(total(x))) {
            return true;
        }
        return !BooleanIndexing.or(x, Conditions.isNan()) && !BooleanIndexing.or(x, Conditions.isInfinite());
    }

    /**
     * The column sums of a matrix m [rows, columns] written into {@code out} [1, columns] (contiguous, c order: a
     * bias gradient view qualifies); returns out.
     */
    public static INDArray columns(INDArray m, INDArray out) {
        return columns(m, 1.0, out);
    }

    /** α times the column sums of m [rows, columns], written into {@code out} as in {@link #columns}. */
    public static INDArray columns(INDArray m, double alpha, INDArray out) {
        if (!blasReady(m) || m.rank() != 2 || out.dataType() != m.dataType()) {
            INDArray sums = m.sum(true, 0).muli(alpha);
            out.assign(sums);
            sums.close();
            return out;
        }
        INDArray row = out.rank() == 2 && out.rows() == 1 ? out : out.reshape('c', 1, m.columns());
        Gemm.accumulate(Constants.ones(m.dataType(), m.rows()), true, m, false, alpha, 0.0, row);
        return out;
    }

    /**
     * The per-channel sums of an NCHW array x [mb, C, H, W] (over batch and space) written into {@code out}, any
     * contiguous array of C elements (an amplitude gradient view [1, C, 1, 1] qualifies); returns out.
     */
    public static INDArray channels(INDArray x, INDArray out) {
        long channels = x.size(1);
        if (!blasReady(x) || x.rank() != 4 || out.length() != channels || out.dataType() != x.dataType()) {
            INDArray sums = x.sum(0, 2, 3);
            out.assign(sums.reshape(out.shape()));
            sums.close();
            return out;
        }
        long rows = x.size(0) * channels;
        long spatial = x.size(2) * x.size(3);
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            INDArray perSample = Gemm.product(x.reshape('c', rows, spatial), false,
                    Constants.ones(x.dataType(), spatial), false);
            columns(perSample.reshape('c', x.size(0), channels), out.reshape('c', 1, channels));
            perSample.close();
        }
        return out;
    }

    private static boolean blasReady(INDArray x) {
        return DirectBlas.isBlasType(x.dataType()) && DirectBlas.isContiguous(x);
    }
}
