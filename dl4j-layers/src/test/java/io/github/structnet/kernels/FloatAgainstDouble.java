package io.github.structnet.kernels;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Compares a float network (on the direct oneDNN routes) with the same network in double precision (on ND4J's ops),
 * given the same parameters: inference output, loss and gradient, each to a relative tolerance.
 */
final class FloatAgainstDouble {

    private FloatAgainstDouble() {
    }

    /** Asserts output (within {@code outputTolerance}), loss (1e-5) and gradient (within {@code gradientTolerance}). */
    static void assertSameNetwork(MultiLayerNetwork exact, MultiLayerNetwork fast, INDArray x, INDArray labels,
                                  double outputTolerance, double gradientTolerance, String what) {
        assertClose(exact.output(x), fast.output(x.castTo(DataType.FLOAT)), outputTolerance, what
                + " inference output");
        exact.setInput(x);
        exact.setLabels(labels);
        exact.computeGradientAndScore();
        fast.setInput(x.castTo(DataType.FLOAT));
        fast.setLabels(labels.castTo(DataType.FLOAT));
        fast.computeGradientAndScore();
        assertTrue(Math.abs(exact.score() - fast.score()) <= 1e-5 * exact.score(), what + " loss: " + exact.score()
                + " against " + fast.score());
        assertClose(exact.gradient().gradient(), fast.gradient().gradient(), gradientTolerance, what + " gradient");
    }

    /** ‖expected − actual‖ / ‖expected‖ below {@code relative}. */
    static void assertClose(INDArray expected, INDArray actual, double relative, String what) {
        INDArray e = expected.castTo(DataType.DOUBLE);
        double err = e.sub(actual.castTo(DataType.DOUBLE)).norm2Number().doubleValue() / e.norm2Number().doubleValue();
        assertTrue(err < relative, what + ": relative error " + err);
    }
}
