package io.github.structnet.updater;

import io.github.structnet.kernels.DirectAdam;
import io.github.structnet.lipschitz.GradientFlowDense;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.MultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.deeplearning4j.util.ModelSerializer;
import io.github.structnet.testutil.DirectRoutes;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.updaters.AdamUpdater;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.io.File;
import java.io.IOException;

import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * FusedAdam computes DL4J's Adam step: against ND4J's {@code adam_updater} op element by element over several
 * iterations (views inside larger buffers included), inside networks against the same networks trained with
 * {@link Adam}, across a save and reload, and falls back to ND4J's op where oneDNN cannot take the arrays.
 */
class FusedAdamTest {

    /** These tests are about the direct routes themselves: a run with them switched off skips them. */
    @BeforeEach
    void directRoutesOn() {
        assumeTrue(DirectRoutes.onAtStart(), "the direct routes are switched off for this run");
    }

    private static final double LR = 3e-3;
    private static final double BETA1 = 0.85;
    private static final double BETA2 = 0.995;
    private static final double EPSILON = 1e-7;

    @Test
    void stepMatchesNd4jsAdamOpElementByElement() {
        Nd4j.getRandom().setSeed(11);
        int n = 100_003;
        // the fused route works on views inside larger buffers, as DL4J's updater blocks are
        INDArray state = Nd4j.zeros(DataType.FLOAT, 1, 2 * n + 7);
        INDArray m = state.get(NDArrayIndex.point(0), NDArrayIndex.interval(3, 3 + n)).reshape(1, n);
        INDArray v = state.get(NDArrayIndex.point(0), NDArrayIndex.interval(3 + n, 3 + 2 * n)).reshape(1, n);
        INDArray mRef = Nd4j.zeros(DataType.FLOAT, 1, n);
        INDArray vRef = Nd4j.zeros(DataType.FLOAT, 1, n);
        for (int iteration = 0; iteration < 6; iteration++) {
            INDArray g0 = Nd4j.randn(DataType.FLOAT, 1, n).muli(Math.pow(10, -iteration));
            INDArray g = g0.dup();
            INDArray gRef = g0.dup();
            assertTrue(DirectAdam.step(g, m, v, LR, BETA1, BETA2, EPSILON, iteration), "route not taken");
            Nd4j.exec(new AdamUpdater(gRef, vRef, mRef, LR, BETA1, BETA2, EPSILON, iteration));
            assertElementwiseClose(mRef, m, 1e-6, "m at iteration " + iteration);
            assertElementwiseClose(vRef, v, 1e-6, "v at iteration " + iteration);
            assertElementwiseClose(gRef, g, 2e-6, "update at iteration " + iteration);
        }
        assertEquals(0.0, state.getDouble(0, 0) + state.getDouble(0, 1) + state.getDouble(0, 2)
                + state.getDouble(0, 2 * n + 3), "state outside the views was written");
    }

    @Test
    void refusesWhatItCannotTakeAndChangesNothing() {
        INDArray g = Nd4j.rand(DataType.FLOAT, 1, 64);
        INDArray m = Nd4j.zeros(DataType.FLOAT, 1, 64);
        INDArray v = Nd4j.zeros(DataType.FLOAT, 1, 64);
        INDArray g0 = g.dup();
        assertFalse(DirectAdam.step(g.castTo(DataType.DOUBLE), m.castTo(DataType.DOUBLE), v.castTo(DataType.DOUBLE),
                LR, BETA1, BETA2, EPSILON, 0), "double");
        assertFalse(DirectAdam.step(g, m, Nd4j.zeros(DataType.FLOAT, 1, 63), LR, BETA1, BETA2, EPSILON, 0),
                "lengths differ");
        INDArray everyOther = Nd4j.zeros(DataType.FLOAT, 1, 128).get(NDArrayIndex.point(0),
                NDArrayIndex.interval(0, 2, 128)).reshape(1, 64);
        assertFalse(DirectAdam.step(g, everyOther, v, LR, BETA1, BETA2, EPSILON, 0), "strided state");
        INDArray cOrder = Nd4j.rand(DataType.FLOAT, 8, 8);
        assertFalse(DirectAdam.step(cOrder, Nd4j.zeros(DataType.FLOAT, 'f', 8, 8), Nd4j.zeros(DataType.FLOAT, 8, 8),
                LR, BETA1, BETA2, EPSILON, 0), "orders differ");
        try {
            DirectRoutes.switchOff();
            assertFalse(DirectAdam.step(g, m, v, LR, BETA1, BETA2, EPSILON, 0), "switched off");
        } finally {
            DirectRoutes.restore();
        }
        assertEquals(g0, g);
        assertEquals(0.0, m.sumNumber().doubleValue());
        assertEquals(0.0, v.sumNumber().doubleValue());
    }

    @Test
    void floatNetworkTrainsAsWithAdam() {
        MultiLayerNetwork fused = network(new FusedAdam(LR, BETA1, BETA2, EPSILON), DataType.FLOAT);
        MultiLayerNetwork plain = network(new Adam(LR, BETA1, BETA2, EPSILON), DataType.FLOAT);
        assertEquals(plain.params(), fused.params());
        UpdaterBlock block = ((MultiLayerUpdater) fused.getUpdater()).getUpdaterBlocks().get(0);
        assertInstanceOf(FusedAdamUpdater.class, block.getGradientUpdater());
        train(fused, plain, 8, DataType.FLOAT);
        // per-step differences of 3e-7 relative, compounded through 8 steps of training
        assertElementwiseClose(plain.params(), fused.params(), 1e-4, "parameters after 8 steps");
        assertTrue(Transforms.abs(plain.params().sub(fused.params())).maxNumber().doubleValue() < 1e-5,
                "parameters after 8 steps differ by more than 1e-5");
    }

    @Test
    void doubleNetworkRunsNd4jsOpExactly() {
        MultiLayerNetwork fused = network(new FusedAdam(LR, BETA1, BETA2, EPSILON), DataType.DOUBLE);
        MultiLayerNetwork plain = network(new Adam(LR, BETA1, BETA2, EPSILON), DataType.DOUBLE);
        train(fused, plain, 3, DataType.DOUBLE);
        assertEquals(plain.params(), fused.params());
    }

    @Test
    void saveAndReloadKeepsTheUpdaterAndItsState(@TempDir File dir) throws IOException {
        MultiLayerNetwork net = network(new FusedAdam(LR, BETA1, BETA2, EPSILON), DataType.FLOAT);
        INDArray x = Nd4j.rand(DataType.FLOAT, 16, 12);
        INDArray y = Nd4j.rand(DataType.FLOAT, 16, 3);
        for (int i = 0; i < 3; i++) {
            net.fit(x, y);
        }
        File file = new File(dir, "fused-adam.zip");
        ModelSerializer.writeModel(net, file, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(file, true);
        IUpdater restoredUpdater = restored.getLayerWiseConfigurations().getConf(0).getLayer().getUpdaterByParam("W");
        assertInstanceOf(FusedAdam.class, restoredUpdater);
        assertEquals(net.getUpdater().getStateViewArray(), restored.getUpdater().getStateViewArray());
        for (int i = 0; i < 3; i++) {
            net.fit(x, y);
            restored.fit(x, y);
        }
        assertEquals(net.params(), restored.params(), "training continued differently after the reload");
    }

    @Test
    void isNeverEqualToAdamAndClonesAsItself() {
        FusedAdam fused = new FusedAdam(LR, BETA1, BETA2, EPSILON);
        Adam adam = new Adam(LR, BETA1, BETA2, EPSILON);
        assertNotEquals(adam, fused);
        assertNotEquals(fused, adam);
        assertEquals(new FusedAdam(LR, BETA1, BETA2, EPSILON), fused);
        assertInstanceOf(FusedAdam.class, fused.clone());
        assertEquals(fused, fused.clone());
    }

    private static MultiLayerNetwork network(Adam updater, DataType type) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).dataType(type).updater(updater)
                .list()
                .layer(new GradientFlowDense.Builder().nHidden(20).build())
                .layer(new DenseLayer.Builder().nOut(10).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(3).activation(Activation.IDENTITY)
                        .build())
                .setInputType(InputType.feedForward(12))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    private static void train(MultiLayerNetwork a, MultiLayerNetwork b, int steps, DataType type) {
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.rand(type, 16, 12);
        INDArray y = Nd4j.rand(type, 16, 3);
        for (int i = 0; i < steps; i++) {
            a.fit(x, y);
            b.fit(x, y);
        }
    }

    private static void assertElementwiseClose(INDArray expected, INDArray actual, double relative, String what) {
        INDArray e = expected.castTo(DataType.DOUBLE);
        INDArray a = actual.castTo(DataType.DOUBLE).reshape(e.shape());
        INDArray scale = Transforms.abs(e).addi(1e-30);
        double worst = Transforms.abs(a.sub(e)).divi(scale).maxNumber().doubleValue();
        assertTrue(worst <= relative, what + ": largest element-wise relative difference " + worst + " > " + relative);
    }
}
