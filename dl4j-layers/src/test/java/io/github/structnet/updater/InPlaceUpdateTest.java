package io.github.structnet.updater;

import io.github.structnet.lipschitz.GradientFlowDense;
import io.github.structnet.lipschitz.SpectralDense;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The in-place updater gives bitwise the same parameters and updater state as DL4J's stock updater (multi-layer
 * networks and graphs, Adam with L2 and weight decay, momentum with gradient clipping, installed mid-training, across
 * save and reload), passes external gradients through unchanged, and hands DL4J the network's own view.
 */
class InPlaceUpdateTest {

    private static final int BATCH = 6;

    @Test
    void multiLayerTrainingIsBitwiseTheStockTraining() {
        for (IUpdater updater : new IUpdater[]{new Adam(3e-2), new Nesterovs(1e-2, 0.9)}) {
            MultiLayerNetwork stock = network(updater);
            MultiLayerNetwork inPlace = InPlaceUpdate.install(network(updater));
            assertTrue(InPlaceUpdate.isInstalled(inPlace));
            assertFalse(InPlaceUpdate.isInstalled(stock));
            trainBoth(stock, inPlace, 7, 0);
            assertEquals(7, ((InPlaceMultiLayerUpdater) inPlace.getUpdater()).inPlaceUpdates(),
                    "every iteration applied in place");
            assertBitwiseEqual(stock.params(), inPlace.params(), updater + " parameters");
            assertBitwiseEqual(stock.getUpdater().getStateViewArray(), inPlace.getUpdater().getStateViewArray(),
                    updater + " updater state");
        }
    }

    @Test
    void installingMidTrainingKeepsTheUpdaterState() {
        MultiLayerNetwork stock = network(new Adam(3e-2));
        MultiLayerNetwork other = network(new Adam(3e-2));
        trainBoth(stock, other, 4, 0);
        InPlaceUpdate.install(other);
        trainBoth(stock, other, 4, 4);
        assertBitwiseEqual(stock.params(), other.params(), "parameters");
        assertBitwiseEqual(stock.getUpdater().getStateViewArray(), other.getUpdater().getStateViewArray(),
                "Adam's moments");
    }

    @Test
    void graphTrainingIsBitwiseTheStockTraining() {
        ComputationGraph stock = graph(new Adam(2e-2));
        ComputationGraph inPlace = InPlaceUpdate.install(graph(new Adam(2e-2)));
        assertTrue(InPlaceUpdate.isInstalled(inPlace));
        for (int step = 0; step < 6; step++) {
            INDArray x = data(step, 6);
            INDArray y = data(100 + step, 3);
            stock.fit(new INDArray[]{x}, new INDArray[]{y});
            inPlace.fit(new INDArray[]{x}, new INDArray[]{y});
        }
        assertEquals(6, ((InPlaceGraphUpdater) inPlace.getUpdater()).inPlaceUpdates(),
                "every iteration applied in place");
        assertBitwiseEqual(stock.params(), inPlace.params(), "graph parameters");
        assertBitwiseEqual(stock.getUpdater().getStateViewArray(), inPlace.getUpdater().getStateViewArray(),
                "graph updater state");
    }

    @Test
    void saveAndReloadKeepsTheStateAndReinstalls(@TempDir File dir) throws IOException {
        MultiLayerNetwork stock = network(new Adam(3e-2));
        MultiLayerNetwork inPlace = InPlaceUpdate.install(network(new Adam(3e-2)));
        trainBoth(stock, inPlace, 3, 0);
        File file = new File(dir, "net.zip");
        ModelSerializer.writeModel(inPlace, file, true);
        MultiLayerNetwork restored = InPlaceUpdate.install(ModelSerializer.restoreMultiLayerNetwork(file, true));
        trainBoth(stock, restored, 3, 3);
        assertBitwiseEqual(stock.params(), restored.params(), "parameters after reload");
    }

    @Test
    void theNetworksOwnGradientIsHandedOverAsItsView() {
        MultiLayerNetwork net = InPlaceUpdate.install(network(new Adam(1e-2)));
        INDArray view = net.getFlattenedGradients();
        assertTrue(view != null && view.length() == net.numParams(), "the updater made the gradient view");
        DefaultGradient own = new DefaultGradient(view);
        own.setGradientFor("0_W", view.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 4)));
        // DL4J's own DefaultGradient returns a new reshape at every call: this is why its identity test fails
        assertNotSame(view, own.gradient());
        Gradient handed = InPlaceUpdate.withOwnView(own, view);
        assertSame(view, handed.gradient());
        assertSame(own.getGradientFor("0_W"), handed.getGradientFor("0_W"));

        DefaultGradient external = new DefaultGradient(view.dup());
        assertSame(external, InPlaceUpdate.withOwnView(external, view), "an external gradient passes unchanged");
        INDArray shifted = Nd4j.create(view.dataType(), 1, view.length() + 1);
        DefaultGradient offset = new DefaultGradient(shifted.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(1, view.length() + 1)));
        assertFalse(InPlaceUpdate.sameMemory(offset.gradient(), shifted.reshape(shifted.length())),
                "same buffer, different first element");
    }

    @Test
    void installBeforeInitIsRefused() {
        MultiLayerNetwork net = new MultiLayerNetwork(configuration(new Adam(1e-2)));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> InPlaceUpdate.install(net));
        assertTrue(e.getMessage().contains("init()"), e.getMessage());
    }

    static void trainBoth(MultiLayerNetwork a, MultiLayerNetwork b, int steps, int seedOffset) {
        for (int step = 0; step < steps; step++) {
            INDArray x = data(seedOffset + step, 6);
            INDArray y = data(100 + seedOffset + step, 3);
            a.fit(x, y);
            b.fit(x, y);
        }
    }

    static INDArray data(long seed, int columns) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.randn(DataType.DOUBLE, BATCH, columns);
    }

    static MultiLayerConfiguration configuration(IUpdater updater) {
        boolean momentum = updater instanceof Nesterovs;
        NeuralNetConfiguration.Builder base = new NeuralNetConfiguration.Builder().seed(5).dataType(DataType.DOUBLE)
                .updater(updater);
        if (momentum) {
            base.gradientNormalization(GradientNormalization.ClipL2PerLayer).gradientNormalizationThreshold(0.5);
        } else {
            base.l2(1e-3).weightDecay(1e-3);
        }
        return base.list()
                .layer(new GradientFlowDense.Builder().nHidden(8).build())
                .layer(new DenseLayer.Builder().nOut(5).activation(Activation.TANH).build())
                .layer(new SpectralDense.Builder().nOut(4).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(3).activation(Activation.IDENTITY)
                        .build())
                .setInputType(InputType.feedForward(6)).build();
    }

    static MultiLayerNetwork network(IUpdater updater) {
        MultiLayerNetwork net = new MultiLayerNetwork(configuration(updater));
        net.init();
        return net;
    }

    static ComputationGraph graph(IUpdater updater) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(9).dataType(DataType.DOUBLE)
                .updater(updater).l2(1e-3).graphBuilder()
                .addInputs("in")
                .addLayer("a", new GradientFlowDense.Builder().nHidden(8).build(), "in")
                .addLayer("b", new DenseLayer.Builder().nOut(6).activation(Activation.TANH).build(), "in")
                .addVertex("sum", new ElementWiseVertex(ElementWiseVertex.Op.Average), "a", "b")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(3)
                        .activation(Activation.IDENTITY).build(), "sum")
                .setOutputs("out").setInputTypes(InputType.feedForward(6)).build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        return graph;
    }

    static void assertBitwiseEqual(INDArray expected, INDArray actual, String what) {
        assertEquals(expected.length(), actual.length(), what + ": lengths");
        double[] e = expected.dup().data().asDouble();
        double[] a = actual.dup().data().asDouble();
        for (int i = 0; i < e.length; i++) {
            if (Double.doubleToRawLongBits(e[i]) != Double.doubleToRawLongBits(a[i])) {
                throw new AssertionError(what + ": element " + i + " differs: " + e[i] + " vs " + a[i]);
            }
        }
    }
}
