package io.github.structnet.kernels;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.EnumSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fast kernels compute what the slow ND4J routes compute. */
class KernelsTest {

    @Test
    void gemmMatchesMmulForEveryTransposeOrderAndPrecision() {
        Nd4j.getRandom().setSeed(3);
        for (DataType dt : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
            for (boolean ta : new boolean[]{false, true}) {
                for (boolean tb : new boolean[]{false, true}) {
                    INDArray a = Nd4j.rand(dt, ta ? 7 : 5, ta ? 5 : 7);
                    INDArray b = Nd4j.rand(dt, tb ? 3 : 7, tb ? 7 : 3);
                    INDArray c0 = Nd4j.rand(dt, 5, 3);
                    INDArray expected = (ta ? a.transpose() : a).mmul(tb ? b.transpose() : b).mul(-0.5).add(c0.mul(2));
                    double tol = dt == DataType.DOUBLE ? 1e-12 : 1e-5;
                    assertMatrixClose(expected, Gemm.accumulate(a, ta, b, tb, -0.5, 2.0, c0.dup()), tol);
                    // an f-order input and a strided view give the same result
                    INDArray view = Nd4j.rand(dt, 10, 20).get(NDArrayIndex.interval(0, a.rows()),
                            NDArrayIndex.interval(2, 2 + a.columns())).assign(a);
                    assertMatrixClose(expected, Gemm.accumulate(view, ta, b.dup('f'), tb, -0.5, 2.0, c0.dup()), tol);
                    INDArray product = Gemm.product(a, ta, b, tb);
                    assertMatrixClose((ta ? a.transpose() : a).mmul(tb ? b.transpose() : b), product, tol);
                    assertEquals('c', product.ordering());
                }
            }
        }
    }

    @Test
    void gemmRefusesShapesThatDoNotChainAndViewResults() {
        INDArray a = Nd4j.rand(DataType.FLOAT, 4, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Gemm.product(a, false, Nd4j.rand(DataType.FLOAT, 4, 2), false));
        assertTrue(e.getMessage().contains("[4, 3]") && e.getMessage().contains("[4, 2]"), e.getMessage());
        INDArray view = Nd4j.create(DataType.FLOAT, 8, 8).get(NDArrayIndex.interval(0, 4), NDArrayIndex.interval(0, 4));
        e = assertThrows(IllegalArgumentException.class,
                () -> Gemm.accumulate(a, false, Nd4j.rand(DataType.FLOAT, 3, 4), false, 1, 0, view));
        assertTrue(e.getMessage().contains("strides [8, 1]"), e.getMessage());
    }

    @Test
    void gemmWritesIntoAContiguousViewAndLeavesTheRestAlone() {
        INDArray a = Nd4j.rand(DataType.DOUBLE, 4, 3);
        INDArray b = Nd4j.rand(DataType.DOUBLE, 3, 2);
        INDArray flat = Nd4j.rand(DataType.DOUBLE, 1, 12);
        INDArray before = flat.dup();
        INDArray view = flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(2, 10)).reshape('c', 4, 2);
        Gemm.accumulate(a, false, b, false, 1.0, 0.0, view);
        assertMatrixClose(a.mmul(b), flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(2, 10)).reshape('c', 4, 2),
                1e-12);
        assertEquals(before.getDouble(0, 0), flat.getDouble(0, 0));
        assertEquals(before.getDouble(0, 1), flat.getDouble(0, 1));
        assertEquals(before.getDouble(0, 10), flat.getDouble(0, 10));
        assertEquals(before.getDouble(0, 11), flat.getDouble(0, 11));
    }

    @Test
    void activationPassMatchesDl4jActivationsForwardAndBackward() {
        Nd4j.getRandom().setSeed(4);
        EnumSet<Activation> all = EnumSet.of(Activation.RELU, Activation.IDENTITY, Activation.TANH, Activation.SIGMOID,
                Activation.LEAKYRELU, Activation.SOFTPLUS, Activation.ELU, Activation.HARDTANH);
        for (DataType dt : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
            INDArray z = Nd4j.randn(dt, 6, 2, 3, 3);
            z.putScalar(0, 0.0); // the kink of ReLU: DL4J's derivative there is 0, and so is ours
            for (Activation f : all) {
                INDArray zBefore = z.dup();
                INDArray a = ActivationPass.activate(f, z, z.ulike(), true);
                INDArray expectedA = f.getActivationFunction().getActivation(z.dup(), true);
                assertEquals(expectedA, a, f + " forward");
                assertEquals(zBefore, z, f + " must not change z");
                INDArray g = Nd4j.randn(dt, z.shape());
                INDArray expectedGrad = f.getActivationFunction().backprop(z.dup(), g.dup()).getFirst();
                INDArray grad = ActivationPass.backprop(f, ActivationPass.needsPreActivation(f) ? z : null, a, g,
                        g.ulike());
                assertTrue(expectedGrad.equalsWithEps(grad, dt == DataType.DOUBLE ? 1e-12 : 1e-6), f + " backprop");
                assertTrue(grad == g, f + " backprop writes into g");
                // in place: σ(z) written over a copy of z
                INDArray inPlace = z.dup();
                assertEquals(expectedA, ActivationPass.activate(f, inPlace, inPlace, true), f + " in place");
            }
        }
    }

    private static void assertMatrixClose(INDArray expected, INDArray actual, double tol) {
        assertEquals(expected.rows(), actual.rows());
        assertEquals(expected.columns(), actual.columns());
        double err = expected.sub(actual).amaxNumber().doubleValue();
        assertTrue(err <= tol, "max abs difference " + err + " > " + tol);
    }
}
