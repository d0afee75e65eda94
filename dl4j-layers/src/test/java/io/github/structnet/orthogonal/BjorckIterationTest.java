package io.github.structnet.orthogonal;

import io.github.structnet.spectral.SpectralNorm;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Björck–Bowie iteration: no iterate expands from a start of norm up to 2, the iterates converge to orthonormal
 * columns, and the hand-written vector–Jacobian product equals central finite differences (double precision).
 */
class BjorckIterationTest {

    private static INDArray[] run(INDArray start, int steps) {
        INDArray[] iterates = new INDArray[steps + 1];
        INDArray[] grams = new INDArray[steps];
        iterates[0] = start.dup('c');
        for (int k = 0; k < steps; k++) {
            iterates[k + 1] = Nd4j.create(DataType.DOUBLE, start.rows(), start.columns());
            grams[k] = Nd4j.create(DataType.DOUBLE, start.columns(), start.columns());
        }
        BjorckIteration.forward(iterates, grams);
        INDArray[] all = new INDArray[2 * steps + 1];
        System.arraycopy(iterates, 0, all, 0, steps + 1);
        System.arraycopy(grams, 0, all, steps + 1, steps);
        return all;
    }

    @Test
    void noIterateExpandsAndTheLimitIsOrthonormal() {
        Nd4j.getRandom().setSeed(3);
        for (double startNorm : new double[]{0.3, 1.0, 1.7, 1.99}) {
            INDArray p = Nd4j.randn(DataType.DOUBLE, 9, 4);
            p.muli(startNorm / SpectralNorm.exact(p));
            INDArray[] all = run(p, 40);
            double largest = 0;
            for (int k = 1; k <= 40; k++) {
                largest = Math.max(largest, SpectralNorm.exact(all[k]));
            }
            assertTrue(largest <= 1 + 1e-12, "start norm " + startNorm + ": an iterate of norm " + largest);
            INDArray last = all[40];
            double defect = last.transpose().mmul(last).sub(Nd4j.eye(4).castTo(DataType.DOUBLE)).norm2Number()
                    .doubleValue();
            assertTrue(defect < 1e-12, "start norm " + startNorm + ": ‖PᵀP − I‖_F = " + defect);
        }
    }

    @Test
    void backwardEqualsFiniteDifferences() {
        Nd4j.getRandom().setSeed(5);
        int steps = 4;
        INDArray p = Nd4j.randn(DataType.DOUBLE, 5, 3);
        p.divi(SpectralNorm.exact(p));
        INDArray weights = Nd4j.randn(DataType.DOUBLE, 5, 3);        // ℓ(P₀) = ⟨C, P_K⟩
        INDArray[] all = run(p, steps);
        INDArray[] iterates = java.util.Arrays.copyOfRange(all, 0, steps + 1);
        INDArray[] grams = java.util.Arrays.copyOfRange(all, steps + 1, 2 * steps + 1);
        INDArray gradient = BjorckIteration.backward(iterates, grams, weights.dup(), Nd4j.create(DataType.DOUBLE, 5, 3),
                Nd4j.create(DataType.DOUBLE, 3, 3));
        double h = 1e-6;
        for (int i = 0; i < 5; i++) {
            for (int j = 0; j < 3; j++) {
                INDArray plus = p.dup();
                plus.putScalar(i, j, p.getDouble(i, j) + h);
                INDArray minus = p.dup();
                minus.putScalar(i, j, p.getDouble(i, j) - h);
                double numeric = (run(plus, steps)[steps].mul(weights).sumNumber().doubleValue()
                        - run(minus, steps)[steps].mul(weights).sumNumber().doubleValue()) / (2 * h);
                assertEquals(numeric, gradient.getDouble(i, j), 1e-7, "∂ℓ/∂P₀[" + i + "," + j + "]");
            }
        }
    }

    @Test
    void wideOrMismatchedArraysAreRefused() {
        INDArray[] wide = {Nd4j.create(DataType.DOUBLE, 2, 5), Nd4j.create(DataType.DOUBLE, 2, 5)};
        INDArray[] gram = {Nd4j.create(DataType.DOUBLE, 5, 5)};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BjorckIteration.forward(wide, gram));
        assertTrue(e.getMessage().contains("2×5"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BjorckIteration.forward(
                new INDArray[]{Nd4j.create(DataType.DOUBLE, 5, 2)}, gram));
    }
}
