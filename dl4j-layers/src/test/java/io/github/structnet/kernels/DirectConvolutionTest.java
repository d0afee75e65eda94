package io.github.structnet.kernels;

import io.github.structnet.testutil.DirectRoutes;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
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
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The direct oneDNN convolutions: taken for float operands on the CPU backend, and the same values as ND4J's
 * double-precision {@code conv2d}/{@code conv2d_bp} to float accuracy, in both layouts, with and without bias, for
 * Winograd (3×3) and direct (5×5, odd channel counts) algorithms.
 */
class DirectConvolutionTest {

    /** These tests are about the direct routes themselves: a run with them switched off skips them. */
    @BeforeEach
    void directRoutesOn() {
        assumeTrue(DirectRoutes.onAtStart(), "the direct routes are switched off for this run");
    }

    private static final double FLOAT_TOLERANCE = 1e-5; // relative Frobenius error; float results are 1e-7–1e-6

    @Test
    void forwardAndGradientsMatchNd4jInDoublePrecision() {
        assertTrue(DirectConvolution.isAvailable(), "oneDNN should load on the CPU backend");
        Nd4j.getRandom().setSeed(5);
        // batch, C, C′, size, k; 3×3 with 32 channels and more tries Winograd first, the others run direct
        int[][] cases = {{3, 8, 8, 6, 3}, {1, 3, 5, 7, 3}, {2, 4, 4, 5, 5}, {2, 32, 32, 6, 3}, {1, 16, 40, 5, 3}};
        for (int[] c : cases) {
            for (boolean channelsLast : new boolean[]{false, true}) {
                for (boolean withBias : new boolean[]{false, true}) {
                    checkAgainstNd4j(c[0], c[1], c[2], c[3], c[4], channelsLast, withBias);
                }
            }
        }
    }

    private static void checkAgainstNd4j(int batch, int in, int out, int size, int k, boolean channelsLast,
                                         boolean withBias) {
        String what = String.format("batch %d, %d->%d channels, %dx%d, k %d, %s, bias %s", batch, in, out, size, size,
                k, channelsLast ? "NHWC" : "NCHW", withBias);
        long[] inShape = channelsLast ? new long[]{batch, size, size, in} : new long[]{batch, in, size, size};
        long[] outShape = channelsLast ? new long[]{batch, size, size, out} : new long[]{batch, out, size, size};
        INDArray x = offsetView(inShape);
        INDArray w = offsetView(k, k, in, out);
        INDArray b = withBias ? offsetView(out) : null;
        INDArray g = offsetView(outShape);

        INDArray y = Nd4j.valueArrayOf(outShape, Float.NaN, DataType.FLOAT); // β = 0: garbage is overwritten
        long before = DirectConvolution.calls();
        assertTrue(DirectConvolution.forward(x, w, b, channelsLast, y), "forward not taken: " + what);
        INDArray gx = Nd4j.valueArrayOf(inShape, Float.NaN, DataType.FLOAT);
        INDArray gw = Nd4j.valueArrayOf(w.shape(), Float.NaN, DataType.FLOAT);
        INDArray gb = withBias ? Nd4j.valueArrayOf(b.shape(), Float.NaN, DataType.FLOAT) : null;
        assertTrue(DirectConvolution.backward(x, w, b, g, channelsLast, gx, gw, gb), "backward not taken: " + what);
        assertEquals(before + 2, DirectConvolution.calls());

        INDArray[] reference = nd4jDouble(x, w, b, g, k, channelsLast);
        assertRelativeError(reference[0], y, what + ", output");
        assertRelativeError(reference[1], gx, what + ", input gradient");
        assertRelativeError(reference[2], gw, what + ", weight gradient");
        if (withBias) {
            assertRelativeError(reference[3], gb, what + ", bias gradient");
        }
    }

    @Test
    void operandsItCannotTakeAreLeftToNd4j() {
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 4, 6, 6);
        INDArray w = Nd4j.rand(DataType.FLOAT, 3, 3, 4, 4);
        INDArray y = x.ulike();
        long before = DirectConvolution.calls();
        assertFalse(DirectConvolution.forward(x.castTo(DataType.DOUBLE), w.castTo(DataType.DOUBLE), null, false,
                y.castTo(DataType.DOUBLE)), "double precision");
        assertFalse(DirectConvolution.forward(x.permute(0, 1, 3, 2), w, null, false, y), "not contiguous");
        assertFalse(DirectConvolution.forward(x, Nd4j.rand(DataType.FLOAT, 2, 2, 4, 4), null, false, y), "even kernel");
        assertFalse(DirectConvolution.forward(x, Nd4j.rand(DataType.FLOAT, 3, 3, 5, 4), null, false, y),
                "kernel for 5 input channels");
        assertFalse(DirectConvolution.forward(x, w, null, false, Nd4j.rand(DataType.FLOAT, 2, 4, 6, 5)),
                "wrong output shape");
        assertFalse(DirectConvolution.forward(x, w, Nd4j.rand(DataType.FLOAT, 3), false, y),
                "bias of 3 for 4 channels");
        assertFalse(DirectConvolution.backward(x, w, null, y, false, x.ulike(), Nd4j.rand(DataType.FLOAT, 3, 3, 4, 5),
                null), "weight gradient of the wrong shape");
        assertEquals(before, DirectConvolution.calls());
    }

    @Test
    void systemPropertySwitchesTheRouteOffAndBackOn() {
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 4, 6, 6);
        INDArray w = Nd4j.rand(DataType.FLOAT, 3, 3, 4, 4);
        INDArray y = x.ulike();
        try {
            DirectRoutes.switchOff();
            assertFalse(DirectConvolution.forward(x, w, null, false, y));
            assertTrue(OneDnn.status().contains("off"), OneDnn.status());
        } finally {
            DirectRoutes.restore();
        }
        assertTrue(DirectConvolution.forward(x, w, null, false, y));
        assertTrue(OneDnn.status().contains("oneDNN 2.5"), OneDnn.status());
    }

    @Test
    void concurrentCallsFromSeveralThreadsEachGetTheirOwnResult() throws Exception {
        int threads = 3;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Double>> errors = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int channels = 4 + t;
                errors.add(pool.submit(() -> {
                    double worst = 0;
                    for (int rep = 0; rep < 20; rep++) {
                        INDArray x = Nd4j.rand(DataType.FLOAT, 2, channels, 9, 9);
                        INDArray w = Nd4j.rand(DataType.FLOAT, 3, 3, channels, channels);
                        INDArray y = x.ulike();
                        assertTrue(DirectConvolution.forward(x, w, null, false, y));
                        INDArray expected = nd4jDouble(x, w, null, x, 3, false)[0];
                        worst = Math.max(worst, relativeError(expected, y));
                    }
                    return worst;
                }));
            }
            for (Future<Double> e : errors) {
                assertTrue(e.get() < FLOAT_TOLERANCE, "relative error " + e.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** {output, ∂x, ∂K, ∂b} by ND4J's ops in double precision. */
    private static INDArray[] nd4jDouble(INDArray x, INDArray w, INDArray b, INDArray g, int k, boolean channelsLast) {
        INDArray xd = x.castTo(DataType.DOUBLE);
        INDArray wd = w.castTo(DataType.DOUBLE);
        INDArray bd = b == null ? null : b.castTo(DataType.DOUBLE);
        INDArray gd = g.castTo(DataType.DOUBLE);
        long[] outShape = gd.shape();
        INDArray y = Nd4j.create(DataType.DOUBLE, outShape);
        int layout = channelsLast ? 1 : 0;
        DynamicCustomOp.DynamicCustomOpsBuilder fwd = DynamicCustomOp.builder("conv2d");
        DynamicCustomOp.DynamicCustomOpsBuilder bwd = DynamicCustomOp.builder("conv2d_bp");
        INDArray gx = xd.ulike();
        INDArray gw = wd.ulike();
        INDArray gb = bd == null ? null : bd.ulike();
        if (bd == null) {
            fwd.addInputs(xd, wd);
            bwd.addInputs(xd, wd, gd).addOutputs(gx, gw);
        } else {
            fwd.addInputs(xd, wd, bd);
            bwd.addInputs(xd, wd, bd, gd).addOutputs(gx, gw, gb);
        }
        Nd4j.exec(fwd.addOutputs(y).addIntegerArguments(k, k, 1, 1, 0, 0, 1, 1, 1, layout).build());
        Nd4j.exec(bwd.addIntegerArguments(k, k, 1, 1, 0, 0, 1, 1, 1, layout).build());
        return new INDArray[]{y, gx, gw, gb};
    }

    /** A contiguous float array that starts part-way into a larger buffer, as parameter views do. */
    private static INDArray offsetView(long... shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        INDArray buffer = Nd4j.randn(DataType.FLOAT, 1, n + 7);
        return buffer.get(NDArrayIndex.point(0), NDArrayIndex.interval(7, n + 7)).reshape('c', shape);
    }

    private static double relativeError(INDArray expected, INDArray actual) {
        INDArray e = expected.castTo(DataType.DOUBLE);
        return e.sub(actual.castTo(DataType.DOUBLE)).norm2Number().doubleValue() / e.norm2Number().doubleValue();
    }

    private static void assertRelativeError(INDArray expected, INDArray actual, String what) {
        double err = relativeError(expected, actual);
        assertTrue(err < FLOAT_TOLERANCE, what + ": relative error " + err);
    }
}
