package io.github.structnet.kernels;

import io.github.structnet.testutil.DirectRoutes;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The direct OpenBLAS route: taken where it should be, and the same values as ND4J's own ops wherever it runs. */
class DirectBlasTest {

    /** These tests are about the direct routes themselves: a run with them switched off skips them. */
    @BeforeEach
    void directRoutesOn() {
        assumeTrue(DirectRoutes.onAtStart(), "the direct routes are switched off for this run");
    }

    @Test
    void productsCutIntoRowBlocksMatchMmulForViewsOfAParameterBuffer() {
        Nd4j.getRandom().setSeed(11);
        for (DataType dt : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
            double tol = dt == DataType.DOUBLE ? 1e-10 : 1e-3;
            for (boolean ta : new boolean[]{false, true}) {
                for (boolean tb : new boolean[]{false, true}) {
                    // op(A) [300, 64], op(B) [64, 72]: 300 rows in blocks of 56 (fewer than 2^18 multiply-adds each)
                    INDArray a = offsetView(dt, ta ? 64 : 300, ta ? 300 : 64);
                    INDArray b = offsetView(dt, tb ? 72 : 64, tb ? 64 : 72);
                    INDArray c0 = Nd4j.randn(dt, 300, 72);
                    INDArray expected = (ta ? a.transpose() : a).mmul(tb ? b.transpose() : b).muli(-0.5)
                            .addi(c0.mul(2.0));
                    INDArray c = c0.dup();
                    assertTrue(DirectBlas.gemm(a, ta, b, tb, -0.5, 2.0, c, 300, 72, 64), "direct route not taken");
                    assertClose(expected, c, tol);
                }
            }
        }
    }

    @Test
    void betaZeroOverwritesGarbageIncludingNaN() {
        INDArray a = Nd4j.randn(DataType.FLOAT, 256, 64);
        INDArray b = Nd4j.randn(DataType.FLOAT, 64, 64);
        INDArray c = Nd4j.valueArrayOf(new long[]{256, 64}, Float.NaN, DataType.FLOAT);
        Gemm.accumulate(a, false, b, true, 1.0, 0.0, c);
        assertClose(a.mmul(b.transpose()), c, 1e-3);
        INDArray bias = Nd4j.randn(DataType.FLOAT, 1, 64);
        Gemm.broadcastRow(bias, 0.0, c.assign(Float.NaN));
        assertClose(Nd4j.zeros(DataType.FLOAT, 256, 64).addiRowVector(bias), c, 0.0);
        INDArray before = Nd4j.randn(DataType.FLOAT, 256, 64);
        assertClose(before.addRowVector(bias), Gemm.broadcastRow(bias, 1.0, before.dup()), 1e-6);
    }

    @Test
    void largeProductsAndLargeMatrixVectorProductsLeaveTheDirectBlasRoute() {
        INDArray a = Nd4j.rand(DataType.FLOAT, 256, 128);
        INDArray b = Nd4j.rand(DataType.FLOAT, 128, 256);
        INDArray c = Nd4j.create(DataType.FLOAT, 256, 256);
        assertTrue(256L * 256 * 128 > DirectBlas.MAX_PRODUCT_WORK);
        assertFalse(DirectBlas.gemm(a, false, b, false, 1.0, 0.0, c, 256, 256, 128));
        assertClose(a.mmul(b), Gemm.accumulate(a, false, b, false, 1.0, 0.0, c), 1e-3);
        INDArray tall = Nd4j.rand(DataType.FLOAT, 4096, 128);
        INDArray column = Nd4j.rand(DataType.FLOAT, 128, 1);
        INDArray out = Nd4j.create(DataType.FLOAT, 4096, 1);
        assertFalse(DirectBlas.gemm(tall, false, column, false, 1.0, 0.0, out, 4096, 1, 128));
        assertClose(tall.mmul(column), Gemm.accumulate(tall, false, column, false, 1.0, 0.0, out), 1e-3);
    }

    @Test
    void concurrentCallsFromSeveralThreadsEachGetTheirOwnProduct() throws Exception {
        int threads = 4;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Double>> errors = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                long seed = 100 + t;
                errors.add(pool.submit(() -> {
                    Nd4j.getRandom().setSeed(seed);
                    double worst = 0;
                    for (int i = 0; i < 25; i++) {
                        INDArray a = Nd4j.randn(DataType.FLOAT, 256, 64);
                        INDArray b = Nd4j.randn(DataType.FLOAT, 64, 64);
                        INDArray c = Nd4j.create(DataType.FLOAT, 256, 64);
                        Gemm.accumulate(a, false, b, true, 1.0, 0.0, c);
                        worst = Math.max(worst, a.mmul(b.transpose()).subi(c).amaxNumber().doubleValue());
                    }
                    return worst;
                }));
            }
            for (Future<Double> e : errors) {
                assertTrue(e.get() <= 1e-3, "max abs difference " + e.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void vectorsMatchNd4jOnContiguousViewsAndFallBackOnStridedOnes() {
        Nd4j.getRandom().setSeed(12);
        for (DataType dt : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
            double tol = dt == DataType.DOUBLE ? 1e-10 : 1e-3;
            INDArray x = offsetView(dt, 16, 40);
            INDArray y = Nd4j.randn(dt, 16, 40);
            assertEquals(x.mul(y).sumNumber().doubleValue(), Vectors.dot(x, y), tol);
            assertEquals(x.norm2Number().doubleValue(), Vectors.norm2(x), tol);
            INDArray target = Nd4j.create(dt, 640);
            assertClose(x.reshape(1, 640), Vectors.copy(x, target).reshape(1, 640), 0.0);
            // a strided view: not contiguous, so ND4J computes it
            INDArray strided = Nd4j.randn(dt, 16, 80).get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2, 80));
            assertFalse(DirectBlas.norm2(strided, new double[1]));
            assertEquals(strided.norm2Number().doubleValue(), Vectors.norm2(strided), tol);
            assertEquals(strided.mul(y).sumNumber().doubleValue(), Vectors.dot(strided, y), tol);
            assertClose(strided, Vectors.copy(strided, Nd4j.create(dt, 16, 40)), 0.0);
        }
    }

    @Test
    void vectorsPropagateNonFiniteValuesAndRefuseLengthMismatches() {
        INDArray x = Nd4j.rand(DataType.FLOAT, 8, 8);
        INDArray y = Nd4j.rand(DataType.FLOAT, 8, 8);
        x.putScalar(63, Float.NaN);
        assertTrue(Double.isNaN(Vectors.dot(x, y)));
        assertTrue(Double.isNaN(Vectors.norm2(x)));
        x.putScalar(63, Float.POSITIVE_INFINITY);
        assertEquals(Double.POSITIVE_INFINITY, Vectors.norm2(x));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Vectors.dot(x, Nd4j.rand(DataType.FLOAT, 8, 7)));
        assertTrue(e.getMessage().contains("64") && e.getMessage().contains("56"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Vectors.copy(x, Nd4j.create(DataType.FLOAT, 63)));
    }

    /** A [rows, columns] c-order view that starts 5 elements into a larger flat buffer, as a parameter view does. */
    private static INDArray offsetView(DataType dt, long rows, long columns) {
        INDArray flat = Nd4j.randn(dt, 1, rows * columns + 9);
        return flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(5, 5 + rows * columns)).reshape('c', rows,
                columns);
    }

    private static void assertClose(INDArray expected, INDArray actual, double tol) {
        assertEquals(expected.length(), actual.length());
        double err = expected.reshape(1, expected.length()).sub(actual.reshape(1, actual.length())).amaxNumber()
                .doubleValue();
        assertTrue(err <= tol, "max abs difference " + err + " > " + tol);
    }
}
