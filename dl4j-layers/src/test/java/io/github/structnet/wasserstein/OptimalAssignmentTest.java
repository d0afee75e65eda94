package io.github.structnet.wasserstein;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link OptimalAssignment}: equal to the minimum over all 7! permutations in 2-D, to the sorted-sample distance in
 * 1-D, and to ‖a‖ for a translated cloud; the permutation is one; bad inputs are refused.
 */
class OptimalAssignmentTest {

    @Test
    void matchesTheBruteForceMinimumOverAllPermutations() {
        Nd4j.getRandom().setSeed(1);
        INDArray p = Nd4j.randn(DataType.DOUBLE, 7, 2);
        INDArray q = Nd4j.randn(DataType.DOUBLE, 7, 2).muli(2);
        double best = bruteForce(p, q, new int[7], new boolean[7], 0, 0);
        OptimalAssignment.Result r = OptimalAssignment.wasserstein1(p, q);
        assertEquals(best / 7, r.meanCost(), 1e-12);
        boolean[] seen = new boolean[7];
        for (int c : r.columnOf()) {
            assertTrue(!seen[c], "column " + c + " used twice");
            seen[c] = true;
        }
    }

    private static double bruteForce(INDArray p, INDArray q, int[] perm, boolean[] used, int i, double sum) {
        if (i == perm.length) {
            return sum;
        }
        double best = Double.POSITIVE_INFINITY;
        for (int j = 0; j < perm.length; j++) {
            if (!used[j]) {
                used[j] = true;
                double d = p.getRow(i).sub(q.getRow(j)).norm2Number().doubleValue();
                best = Math.min(best, bruteForce(p, q, perm, used, i + 1, sum + d));
                used[j] = false;
            }
        }
        return best;
    }

    @Test
    void oneDimensionalAndTranslatedCloudsGiveTheKnownDistances() {
        Nd4j.getRandom().setSeed(2);
        INDArray p = Nd4j.randn(DataType.DOUBLE, 300, 1);
        INDArray q = Nd4j.rand(DataType.DOUBLE, 300, 1).muli(3);
        assertEquals(Wasserstein1.exactOneDimensional(p, q), OptimalAssignment.wasserstein1(p, q).meanCost(), 1e-12);
        INDArray cloud = Nd4j.randn(DataType.DOUBLE, 300, 3);
        INDArray shift = Nd4j.createFromArray(new double[][]{{0.5, -1.0, 2.0}});
        assertEquals(shift.norm2Number().doubleValue(),
                OptimalAssignment.wasserstein1(cloud, cloud.addRowVector(shift)).meanCost(), 1e-12);
    }

    @Test
    void badInputsAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OptimalAssignment.wasserstein1(Nd4j.zeros(DataType.DOUBLE, 3, 2), Nd4j.zeros(DataType.DOUBLE,
                        4, 2)));
        assertTrue(e.getMessage().contains("[3, 2]") && e.getMessage().contains("[4, 2]"), e.getMessage());
        INDArray nan = Nd4j.zeros(DataType.DOUBLE, 3, 2);
        nan.putScalar(1, 0, Double.NaN);
        e = assertThrows(IllegalArgumentException.class, () -> OptimalAssignment.wasserstein1(nan,
                Nd4j.zeros(DataType.DOUBLE, 3, 2)));
        assertTrue(e.getMessage().contains("finite"), e.getMessage());
    }
}
