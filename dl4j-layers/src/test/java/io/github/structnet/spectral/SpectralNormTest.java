package io.github.structnet.spectral;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Power iteration and the Gram-iteration bound against the SVD. Tested: the estimate never exceeds the
 * exact norm and converges to it; the bound is never below it and is tight; re-convergence after a weight
 * change; the adjoint pair of the matrix operator. Not tested here: convolution operators (later issue).
 */
class SpectralNormTest {

    private static INDArray randomMatrix(long seed, int rows, int cols) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.randn(DataType.DOUBLE, rows, cols);
    }

    @Test
    void matrixOperatorPairIsAdjoint() {
        INDArray w = randomMatrix(1, 7, 4);
        LinearOperator a = LinearOperator.ofMatrix(w);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 1, 4);
        INDArray y = Nd4j.randn(DataType.DOUBLE, 1, 7);
        double lhs = a.apply(x).mul(y).sumNumber().doubleValue();
        double rhs = x.mul(a.applyAdjoint(y)).sumNumber().doubleValue();
        assertEquals(lhs, rhs, 1e-12 * Math.abs(lhs) + 1e-12);
    }

    @Test
    void powerIterationConvergesFromBelow() {
        for (int[] shape : new int[][]{{8, 8}, {16, 5}, {5, 16}, {64, 32}}) {
            INDArray w = randomMatrix(shape[0] * 100L + shape[1], shape[0], shape[1]);
            double exact = SpectralNorm.exact(w);
            INDArray v = Nd4j.randn(DataType.DOUBLE, 1, shape[1]);
            double previous = 0;
            for (int k = 0; k < 20; k++) {
                double est = PowerIteration.iterate(LinearOperator.ofMatrix(w), v, 1);
                assertTrue(est <= exact * (1 + 1e-12), "estimate above the exact norm for " + shape[0] + "x"
                        + shape[1]);
                assertTrue(est >= previous - 1e-12 * exact, "power iteration estimate decreased");
                previous = est;
            }
            double converged = PowerIteration.iterate(LinearOperator.ofMatrix(w), v, 2000);
            assertEquals(exact, converged, 1e-6 * exact, "no convergence for " + shape[0] + "x" + shape[1]);
        }
    }

    @Test
    void exactNormMatchesPowerIterationOnTallAndWideMatrices() {
        // ND4J's gesvd got these shapes wrong (163.5 instead of 35.9 for 576x144)
        for (int[] shape : new int[][]{{576, 144}, {144, 576}, {200, 200}}) {
            INDArray w = randomMatrix(1, shape[0], shape[1]);
            double power = PowerIteration.iterate(LinearOperator.ofMatrix(w), Nd4j.randn(DataType.DOUBLE, 1, shape[1]),
                    3000);
            assertEquals(power, SpectralNorm.exact(w), 1e-9 * power, shape[0] + "x" + shape[1]);
        }
    }

    @Test
    void reconvergesAfterWeightChange() {
        INDArray w = randomMatrix(3, 12, 10);
        INDArray v = Nd4j.randn(DataType.DOUBLE, 1, 10);
        PowerIteration.iterate(LinearOperator.ofMatrix(w), v, 500);
        INDArray changed = w.add(randomMatrix(4, 12, 10).mul(0.5));
        double est = PowerIteration.iterate(LinearOperator.ofMatrix(changed), v, 500);
        assertEquals(SpectralNorm.exact(changed), est, 1e-6 * est);
    }

    @Test
    void gramBoundIsSoundAndTight() {
        for (int trial = 0; trial < 30; trial++) {
            int rows = 2 + trial % 7 * 9;
            int cols = 3 + trial % 5 * 13;
            INDArray w = randomMatrix(100 + trial, rows, cols);
            if (trial % 3 == 0) {
                // nearly repeated top singular values are the hard case for power iteration
                w = w.mmul(w.transpose()).mmul(w);
            }
            double exact = SpectralNorm.exact(w);
            double bound = GramIteration.upperBound(w);
            assertTrue(bound >= exact, "bound " + bound + " below exact " + exact);
            assertTrue(bound <= exact * 1.002, "bound " + bound + " not tight for exact " + exact);
        }
    }

    @Test
    void gramBoundOfZeroAndRankOne() {
        assertEquals(0.0, GramIteration.upperBound(Nd4j.zeros(DataType.DOUBLE, 3, 4)));
        INDArray u = Nd4j.create(new double[][]{{3}, {4}});
        INDArray v = Nd4j.create(new double[][]{{1, 0, 0}});
        assertEquals(5.0, GramIteration.upperBound(u.mmul(v)), 1e-8);
    }

    @Test
    void nonFiniteWeightsAreRefused() {
        INDArray w = randomMatrix(5, 4, 4);
        w.putScalar(1, 2, Double.NaN);
        INDArray v = Nd4j.randn(DataType.DOUBLE, 1, 4);
        assertThrows(IllegalStateException.class, () -> PowerIteration.iterate(LinearOperator.ofMatrix(w), v, 1));
        assertThrows(IllegalArgumentException.class, () -> GramIteration.upperBound(w));
    }
}
