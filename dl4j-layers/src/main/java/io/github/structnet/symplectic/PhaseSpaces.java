package io.github.structnet.symplectic;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Phase-space helpers: size checks and the canonical structure matrix 𝕁. */
public final class PhaseSpaces {

    private PhaseSpaces() {
    }

    /**
     * @return size, when it is positive and even
     * @throws IllegalArgumentException naming the owner, the size and the rule
     */
    public static long requireEven(long size, String owner) {
        if (size <= 0 || size % 2 != 0) {
            throw new IllegalArgumentException(owner + ": the phase-space size must be positive and even (q and p "
                    + "halves of equal size); got " + size);
        }
        return size;
    }

    static long featuresOf(InputType inputType, String owner) {
        if (inputType == null || inputType.getType() != InputType.Type.FF) {
            throw new IllegalArgumentException(owner + ": expected a feed-forward input type (q, p); got " + inputType);
        }
        return inputType.arrayElementsPerExample();
    }

    /** 𝕁 = [[0, I], [−I, 0]] of size 2n × 2n (double). */
    public static INDArray structureMatrix(int n) {
        INDArray j = Nd4j.zeros(DataType.DOUBLE, 2L * n, 2L * n);
        for (int i = 0; i < n; i++) {
            j.putScalar(i, n + i, 1.0);
            j.putScalar(n + i, i, -1.0);
        }
        return j;
    }
}
