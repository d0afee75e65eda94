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

    @Test
    void largeArraysTakeTheFastRoutesAndMatchDl4j() {
        Nd4j.getRandom().setSeed(5);
        INDArray z = Nd4j.randn(DataType.FLOAT, 2, 4, 360, 365).muli(3);
        assertTrue(z.length() >= ActivationPass.LARGE && z.length() >= ActivationPass.ONEDNN_TANH);
        z.putScalar(7, 0.0);
        for (Activation f : new Activation[]{Activation.RELU, Activation.TANH}) {
            INDArray a = ActivationPass.activate(f, z, z.ulike(), true);
            INDArray expectedA = f.getActivationFunction().getActivation(z.dup(), true);
            assertTrue(expectedA.sub(a).amaxNumber().doubleValue() <= 2.4e-7, f
                    + " forward within two float ulps of 1");
            INDArray g = Nd4j.randn(DataType.FLOAT, z.shape());
            INDArray expected = f.getActivationFunction().backprop(z.dup(), g.dup()).getFirst();
            assertTrue(expected.equalsWithEps(ActivationPass.backprop(f, null, a, g, g.ulike()), 1e-6), f
                    + " backprop");
        }
    }

    @Test
    void sumsMatchNd4jReductionsAndPropagateNonFiniteValues() {
        for (DataType dt : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
            double tol = dt == DataType.DOUBLE ? 1e-10 : 1e-3;
            INDArray big = Nd4j.randn(dt, 9, 40);
            INDArray[] arrays = {Nd4j.randn(dt, 7), Nd4j.randn(dt, 5, 9), Nd4j.randn(dt, 3, 4, 5, 6),
                    big.get(NDArrayIndex.interval(2, 6), NDArrayIndex.all()),      // contiguous view
                    big.get(NDArrayIndex.all(), NDArrayIndex.interval(3, 11)),     // strided view: ND4J's reduction
                    big.transpose()};
            for (INDArray a : arrays) {
                assertEquals(a.sumNumber().doubleValue(), Sums.total(a), tol, dt + " total of "
                        + a.shapeInfoToString());
            }
            INDArray m = Nd4j.randn(dt, 6, 11);
            INDArray target = Nd4j.zeros(dt, 1, 30);
            INDArray view = target.get(NDArrayIndex.interval(0, 1), NDArrayIndex.interval(10, 21));
            Sums.columns(m, view);
            assertMatrixClose(m.sum(true, 0), target.get(NDArrayIndex.interval(0, 1), NDArrayIndex.interval(10, 21)),
                    tol);
            assertEquals(0.0, target.get(NDArrayIndex.point(0), NDArrayIndex.interval(0, 10)).amaxNumber()
                    .doubleValue());
            assertEquals(0.0, target.get(NDArrayIndex.point(0), NDArrayIndex.interval(21, 30)).amaxNumber()
                    .doubleValue());
            assertMatrixClose(m.getColumns(2, 5).sum(true, 0), Sums.columns(m.getColumns(2, 5), Nd4j.create(dt, 1, 2)),
                    tol);

            INDArray nchw = Nd4j.randn(dt, 4, 3, 5, 6);
            INDArray amplitudes = Nd4j.zeros(dt, 1, 20);
            INDArray channelView = amplitudes.get(NDArrayIndex.interval(0, 1), NDArrayIndex.interval(4, 7))
                    .reshape(1, 3, 1, 1);
            assertMatrixClose(nchw.sum(0, 2, 3).reshape(1, 3), Sums.channels(nchw, channelView).reshape(1, 3), tol);
            assertMatrixClose(nchw.sum(0, 2, 3).reshape(1, 3),
                    amplitudes.get(NDArrayIndex.interval(0, 1), NDArrayIndex.interval(4, 7)), tol);
            assertEquals(nchw.sum(0, 2, 3).sumNumber().doubleValue(), amplitudes.sumNumber().doubleValue(), tol,
                    "nothing written outside the view");
            INDArray permuted = Nd4j.randn(dt, 4, 5, 6, 3).permute(0, 3, 1, 2); // strided: ND4J's reduction
            assertMatrixClose(permuted.sum(0, 2, 3).reshape(1, 3), Sums.channels(permuted, Nd4j.create(dt, 1, 3)), tol);

            INDArray x = Nd4j.randn(dt, 4, 3, 5, 5);
            for (double bad : new double[]{Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
                for (long index : new long[]{0, 137, x.length() - 1}) {
                    INDArray copy = x.dup();
                    copy.putScalar(index, bad);
                    assertTrue(!Double.isFinite(Sums.total(copy)), dt + ": " + bad + " at " + index);
                }
            }
        }
    }

    @Test
    void flippedKernelIsTheSpatialReversalWithChannelsSwapped() {
        INDArray w = Nd4j.randn(DataType.DOUBLE, 3, 3, 2, 4);
        INDArray expected = Nd4j.create(DataType.DOUBLE, 3, 3, 4, 2);
        for (int a = 0; a < 3; a++) {
            for (int b = 0; b < 3; b++) {
                for (int o = 0; o < 4; o++) {
                    for (int i = 0; i < 2; i++) {
                        expected.putScalar(new long[]{a, b, o, i}, -1.5 * w.getDouble(2 - a, 2 - b, i, o));
                    }
                }
            }
        }
        INDArray out = Convolutions.flipped(w, -1.5,
                Nd4j.create(DataType.DOUBLE, Convolutions.flippedShape(w)));
        assertEquals(expected, out);
        INDArray base = Nd4j.randn(DataType.DOUBLE, 3, 3, 4, 2);
        INDArray target = base.dup();
        Convolutions.addFlipped(w, -1.5, target);
        assertTrue(base.add(expected).equalsWithEps(target, 1e-14));
        assertEquals(expected.div(-1.5), Convolutions.flipped(w));
    }

    private static void assertMatrixClose(INDArray expected, INDArray actual, double tol) {
        assertEquals(expected.rows(), actual.rows());
        assertEquals(expected.columns(), actual.columns());
        double err = expected.sub(actual).amaxNumber().doubleValue();
        assertTrue(err <= tol, "max abs difference " + err + " > " + tol);
    }
}
