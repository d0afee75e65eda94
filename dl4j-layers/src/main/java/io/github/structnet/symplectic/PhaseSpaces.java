package io.github.structnet.symplectic;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

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

    /** Half {@code which} (0: q, the first half of dimension 1; 1: p) of x, as a view. */
    static INDArray half(INDArray x, int which) {
        long n = x.size(1) / 2;
        INDArrayIndex[] index = new INDArrayIndex[x.rank()];
        java.util.Arrays.fill(index, NDArrayIndex.all());
        index[1] = NDArrayIndex.interval(which * n, (which + 1) * n);
        return x.get(index);
    }

    /**
     * Copies half {@code which} of x into {@code into}, a contiguous array of the half's shape; returns it.
     * Element-wise ops on a half's strided view are much slower in ND4J 1.0.0-M2.1 than on a contiguous copy, and the
     * copy is cheap.
     */
    static INDArray copyHalf(INDArray x, int which, INDArray into) {
        return into.assign(half(x, which));
    }

    /**
     * Writes the phase-space vector of a shear into {@code out} with one concat along dimension 1, from its updated
     * half and its source half (q, p) = (updated, source) for UP and (source, updated) for LOW; returns out.
     */
    static INDArray join(Shear side, INDArray updated, INDArray source, INDArray out) {
        INDArray q = side == Shear.UP ? updated : source;
        INDArray p = side == Shear.UP ? source : updated;
        Nd4j.exec(DynamicCustomOp.builder("concat").addInputs(q, p).addOutputs(out).addIntegerArguments(1).build());
        return out;
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
