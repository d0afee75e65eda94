package io.github.structnet.orthogonal;

import io.github.structnet.spectral.SpectralNorm;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The certificate of a nearly orthogonal matrix: never below the exact norm (random, scaled, rank-deficient, tall,
 * wide, float and double), within 10⁻⁶ of 1 for orthonormal columns or rows stored in float, and NaN refused.
 */
class OrthogonalityCertificateTest {

    /** A matrix with orthonormal columns (or rows, when wide), by 60 Björck steps in double. */
    private static INDArray orthonormal(int rows, int columns, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray p = Nd4j.randn(DataType.DOUBLE, Math.max(rows, columns), Math.min(rows, columns));
        p.divi(SpectralNorm.exact(p));
        for (int k = 0; k < 60; k++) {
            p = p.mul(1.5).sub(p.mmul(p.transpose().mmul(p)).mul(0.5));
        }
        return rows >= columns ? p : p.transpose().dup('c');
    }

    @Test
    void neverBelowTheExactNorm() {
        Nd4j.getRandom().setSeed(7);
        for (int[] size : new int[][]{{1, 1}, {6, 3}, {3, 6}, {12, 12}, {40, 7}}) {
            for (double scale : new double[]{1e-3, 0.5, 1.0, 1.0001, 3.0, 1000.0}) {
                INDArray random = Nd4j.randn(DataType.DOUBLE, size[0], size[1]).muli(scale);
                assertSound(random);
                assertSound(random.castTo(DataType.FLOAT));
                INDArray nearlyOrthogonal = orthonormal(size[0], size[1], 17).muli(scale);
                assertSound(nearlyOrthogonal);
                assertSound(nearlyOrthogonal.castTo(DataType.FLOAT));
            }
        }
        INDArray rankOne = Nd4j.ones(DataType.DOUBLE, 5, 4);
        assertSound(rankOne);
    }

    private static void assertSound(INDArray q) {
        double exact = SpectralNorm.exact(q);
        double bound = OrthogonalityCertificate.upperBound(q);
        assertTrue(bound >= exact, q.rows() + "×" + q.columns() + ": bound " + bound + " below the norm " + exact);
        assertTrue(bound <= exact * 1.001 + 1e-9, q.rows() + "×" + q.columns() + ": bound " + bound
                + " far above the norm " + exact);
    }

    @Test
    void tightForOrthonormalColumnsOrRowsInFloat() {
        for (int[] size : new int[][]{{64, 64}, {100, 30}, {30, 100}}) {
            INDArray q = orthonormal(size[0], size[1], 3).castTo(DataType.FLOAT);
            double bound = OrthogonalityCertificate.upperBound(q);
            assertTrue(bound >= SpectralNorm.exact(q) && bound < 1 + 1e-6, size[0] + "×" + size[1] + ": bound "
                    + bound);
        }
    }

    @Test
    void nonFiniteMatricesAreRefused() {
        INDArray q = Nd4j.eye(3).castTo(DataType.DOUBLE);
        q.putScalar(1, 2, Double.NaN);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OrthogonalityCertificate.upperBound(q));
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());
    }
}
