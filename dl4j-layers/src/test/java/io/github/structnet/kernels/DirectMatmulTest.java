package io.github.structnet.kernels;

import io.github.structnet.lipschitz.GradientFlowDense;
import io.github.structnet.testutil.LipschitzProbe;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import io.github.structnet.testutil.DirectRoutes;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Large float products through oneDNN's matmul: taken past {@link DirectMatmul#MIN_WORK} multiply–adds, and equal to
 * the double-precision product for every transpose combination, α, β ∈ {0, 1}, and operands that are views inside a
 * larger buffer (strided rows included); what it refuses still comes out right through {@link Gemm}.
 */
class DirectMatmulTest {

    /** These tests are about the direct routes themselves: a run with them switched off skips them. */
    @BeforeEach
    void directRoutesOn() {
        assumeTrue(DirectRoutes.onAtStart(), "the direct routes are switched off for this run");
    }

    private static final int M = 96;
    private static final int N = 200;
    private static final int K = 300; // 5.76 M multiply–adds, past MIN_WORK

    @Test
    void everyTransposeCombinationWithAlphaAndBetaMatchesTheDoubleProduct() {
        Nd4j.getRandom().setSeed(2);
        assertTrue((long) M * N * K > DirectMatmul.MIN_WORK);
        for (boolean ta : new boolean[]{false, true}) {
            for (boolean tb : new boolean[]{false, true}) {
                for (double beta : new double[]{0.0, 1.0}) {
                    INDArray a = stridedView(ta ? K : M, ta ? M : K);
                    INDArray b = stridedView(tb ? N : K, tb ? K : N);
                    INDArray c0 = Nd4j.randn(DataType.FLOAT, M, N);
                    INDArray c = beta == 0.0 ? Nd4j.valueArrayOf(new long[]{M, N}, Float.NaN, DataType.FLOAT)
                            : c0.dup();
                    INDArray expected = product(a, ta, b, tb).muli(-0.37);
                    if (beta == 1.0) {
                        expected.addi(c0.castTo(DataType.DOUBLE));
                    }
                    assertTrue(DirectMatmul.gemm(a, ta, b, tb, -0.37, beta, c, M, N, K),
                            "route not taken: ta " + ta + ", tb " + tb + ", beta " + beta);
                    assertClose(expected, c, "ta " + ta + ", tb " + tb + ", beta " + beta);
                }
            }
        }
    }

    @Test
    void whatItRefusesGemmStillComputes() {
        INDArray a = Nd4j.rand(DataType.FLOAT, M, K);
        INDArray b = Nd4j.rand(DataType.FLOAT, K, N);
        INDArray c0 = Nd4j.rand(DataType.FLOAT, M, N);
        INDArray c = c0.dup();
        assertFalse(DirectMatmul.gemm(a, false, b, false, 1.0, 0.5, c, M, N, K), "beta 0.5");
        assertClose(product(a, false, b, false).addi(c0.castTo(DataType.DOUBLE).muli(0.5)),
                Gemm.accumulate(a, false, b, false, 1.0, 0.5, c), "beta 0.5 through Gemm");
        INDArray everyOtherColumn = Nd4j.rand(DataType.FLOAT, M, 2 * K).get(NDArrayIndex.all(),
                NDArrayIndex.interval(0, 2, 2 * K));
        assertFalse(DirectMatmul.gemm(everyOtherColumn, false, b, false, 1.0, 0.0, c, M, N, K), "no unit stride");
        assertClose(product(everyOtherColumn, false, b, false),
                Gemm.accumulate(everyOtherColumn, false, b, false, 1.0, 0.0, c), "no unit stride through Gemm");
        INDArray small = Nd4j.rand(DataType.FLOAT, 8, 8);
        assertFalse(DirectMatmul.gemm(small, false, small, false, 1.0, 0.0, small.ulike(), 8, 8, 8), "small product");
        INDArray ad = a.castTo(DataType.DOUBLE);
        assertFalse(DirectMatmul.gemm(ad, false, b.castTo(DataType.DOUBLE), false, 1.0, 0.0,
                Nd4j.create(DataType.DOUBLE, M, N), M, N, K), "double precision");
        try {
            DirectRoutes.switchOff();
            assertFalse(DirectMatmul.gemm(a, false, b, false, 1.0, 0.0, c, M, N, K), "switched off");
        } finally {
            DirectRoutes.restore();
        }
    }

    @Test
    void productOntoAnAddendMatchesTheDoubleSumOnEveryRoute() {
        Nd4j.getRandom().setSeed(8);
        INDArray a = stridedView(M, K);
        INDArray b = stridedView(K, N);
        INDArray d = stridedView(M, N);
        INDArray dBefore = d.dup();
        INDArray expected = product(a, false, b, false).muli(-0.3).addi(d.castTo(DataType.DOUBLE));
        INDArray c = Nd4j.valueArrayOf(new long[]{M, N}, Float.NaN, DataType.FLOAT);
        assertTrue(DirectMatmul.onto(a, false, b, false, -0.3, d, c, M, N, K), "route not taken");
        assertClose(expected, c, "oneDNN");
        assertEquals(dBefore, d, "the addend was changed");
        try {
            DirectRoutes.switchOff();
            assertClose(expected, Gemm.onto(a, false, b, false, -0.3, d,
                    Nd4j.valueArrayOf(new long[]{M, N}, Float.NaN, DataType.FLOAT)), "ND4J");
        } finally {
            DirectRoutes.restore();
        }
        INDArray transposed = d.transpose().dup(); // as many elements as C, the wrong shape
        assertThrows(IllegalArgumentException.class, () -> Gemm.onto(a, false, b, false, -0.3, transposed, c),
                "an addend of another shape");
        INDArray small = Nd4j.rand(DataType.DOUBLE, 5, 4);
        assertClose(small.mmul(small.transpose()).muli(2.0).addi(Nd4j.eye(5).castTo(DataType.DOUBLE)),
                Gemm.onto(small, false, small, true, 2.0, Nd4j.eye(5).castTo(DataType.DOUBLE),
                        Nd4j.create(DataType.DOUBLE, 5, 5)), "small double");
    }

    @Test
    void affineWithFusedBiasAndReluMatchesTheDoubleMapOnEveryRoute() {
        Nd4j.getRandom().setSeed(6);
        INDArray a = stridedView(M, K);
        INDArray w = stridedView(N, K);
        INDArray params = Nd4j.randn(DataType.FLOAT, 1, N + 3);
        INDArray bias = params.get(NDArrayIndex.point(0), NDArrayIndex.interval(3, N + 3)).reshape(1, N);
        for (boolean rectify : new boolean[]{false, true}) {
            INDArray expected = product(a, false, w, true).addiRowVector(bias.castTo(DataType.DOUBLE));
            if (rectify) {
                expected = org.nd4j.linalg.ops.transforms.Transforms.relu(expected, false);
            }
            INDArray c = Nd4j.valueArrayOf(new long[]{M, N}, Float.NaN, DataType.FLOAT);
            assertTrue(DirectMatmul.affine(a, false, w, true, bias, rectify, c, M, N, K), "route not taken");
            assertClose(expected, c, "oneDNN, rectify " + rectify);
            try {
                DirectRoutes.switchOff();
                INDArray viaNd4j = Nd4j.valueArrayOf(new long[]{M, N}, Float.NaN, DataType.FLOAT);
                assertClose(expected, Gemm.affine(a, false, w, true, bias, rectify, viaNd4j), "ND4J, rectify "
                        + rectify);
            } finally {
                DirectRoutes.restore();
            }
            INDArray ad = a.castTo(DataType.DOUBLE);
            assertClose(expected, Gemm.affine(ad, false, w.castTo(DataType.DOUBLE), true, bias.castTo(DataType.DOUBLE),
                    rectify, Nd4j.create(DataType.DOUBLE, M, N)), "double, rectify " + rectify);
        }
    }

    @Test
    void floatDenseNetworkOnOneDnnComputesTheDoubleNetwork() {
        Nd4j.getRandom().setSeed(4);
        int width = 300;
        int batch = 64; // products of 64·300·300 = 5.76 M multiply–adds
        MultiLayerNetwork exact = denseNet(DataType.DOUBLE, width);
        MultiLayerNetwork fast = denseNet(DataType.FLOAT, width);
        fast.setParams(exact.params().castTo(DataType.FLOAT));
        INDArray x = Nd4j.randn(DataType.DOUBLE, batch, width);
        INDArray labels = Nd4j.randn(DataType.DOUBLE, batch, width);
        FloatAgainstDouble.assertSameNetwork(exact, fast, x, labels, 1e-5, 1e-5, "dense");
    }

    @Test
    void floatGradientFlowDenseOnOneDnnIsNonExpansiveOnAdversarialPairs() {
        int width = 400; // 32 pairs: products of 32·400·400 and 64·400·400 multiply–adds, the fused oneDNN routes
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).seed(5).list()
                .layer(new GradientFlowDense.Builder().nHidden(width).build())
                .layer(new GradientFlowDense.Builder().nHidden(width).build())
                .setInputType(InputType.feedForward(width)).build();
        MultiLayerNetwork body = new MultiLayerNetwork(conf);
        body.init();
        double worst = LipschitzProbe.maxAdversarialPairRatio(body, width, 32, 40, 9);
        // float rounding of outputs of norm ~40 moves a difference of norm ~10 by ~1e-6 relative
        assertTrue(worst <= 1 + 1e-5, "adversarial pair ratio " + worst);
    }

    private static MultiLayerNetwork denseNet(DataType type, int width) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().dataType(type).seed(3).list()
                .layer(new GradientFlowDense.Builder().nHidden(width).build())
                .layer(new GradientFlowDense.Builder().nHidden(width).build())
                .layer(new LossLayer.Builder(
                        LossFunctions.LossFunction.MSE)
                        .activation(Activation.IDENTITY).build())
                .setInputType(InputType.feedForward(width)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /** A float matrix whose rows are 5 elements apart more than its width, inside a larger buffer. */
    private static INDArray stridedView(int rows, int columns) {
        INDArray buffer = Nd4j.randn(DataType.FLOAT, rows + 1, columns + 5);
        return buffer.get(NDArrayIndex.interval(1, rows + 1), NDArrayIndex.interval(2, columns + 2));
    }

    private static INDArray product(INDArray a, boolean ta, INDArray b, boolean tb) {
        INDArray ad = a.castTo(DataType.DOUBLE);
        INDArray bd = b.castTo(DataType.DOUBLE);
        return (ta ? ad.transpose() : ad).mmul(tb ? bd.transpose() : bd);
    }

    private static void assertClose(INDArray expected, INDArray actual, String what) {
        INDArray diff = expected.sub(actual.castTo(DataType.DOUBLE));
        double err = diff.norm2Number().doubleValue() / expected.norm2Number().doubleValue();
        assertTrue(err < 1e-5, what + ": relative error " + err);
    }
}
