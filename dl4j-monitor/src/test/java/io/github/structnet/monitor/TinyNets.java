package io.github.structnet.monitor;

import io.github.structnet.lipschitz.GradientFlowDense;
import io.github.structnet.lipschitz.SpectralDense;
import io.github.structnet.symplectic.GradientModule;
import io.github.structnet.symplectic.Shear;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.List;

/** Small double-precision StructNet networks and data for the monitor tests. */
final class TinyNets {

    static final int FEATURES = 4;
    static final int CLASSES = 3;

    private TinyNets() {
    }

    /** SpectralDense 4→8, GradientFlowDense (8 hidden), SpectralDense 8→3 (logits, layer 2), softmax loss. */
    static MultiLayerNetwork classifier(long seed) {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .seed(seed).updater(new Adam(0.02)).list()
                .layer(new SpectralDense.Builder().nOut(8).build())
                .layer(new GradientFlowDense.Builder().nHidden(8).build())
                .layer(new SpectralDense.Builder().nOut(CLASSES).build())
                .layer(new LossLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(FEATURES)).build());
        net.init();
        return net;
    }

    /** The same layers as a ComputationGraph: "in" → "a" → "b" → "logits" → "loss". */
    static ComputationGraph graph(long seed) {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .seed(seed).updater(new Adam(0.02)).graphBuilder().addInputs("in")
                .addLayer("a", new SpectralDense.Builder().nOut(8).build(), "in")
                .addLayer("b", new GradientFlowDense.Builder().nHidden(8).build(), "a")
                .addLayer("logits", new SpectralDense.Builder().nOut(CLASSES).build(),
                        "b")
                .addLayer("loss", new LossLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .activation(Activation.SOFTMAX).build(), "logits")
                .setOutputs("loss").setInputTypes(InputType.feedForward(FEATURES)).build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        return graph;
    }

    /** A G-SympNet on a 2-dimensional phase space: four gradient modules (up, low, up, low), then an MSE loss. */
    static MultiLayerNetwork sympNet(long seed) {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .seed(seed).updater(new Adam(0.01)).list();
        Shear side = Shear.UP;
        for (int i = 0; i < 4; i++) {
            list.layer(new GradientModule.Builder().name("G" + i).side(side).width(6).step(0.5).build());
            side = side.other();
        }
        list.layer(new LossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY).build());
        MultiLayerNetwork net = new MultiLayerNetwork(list.setInputType(InputType.feedForward(2)).build());
        net.init();
        return net;
    }

    /** One GradientFlowDense block on 4 features (no loss layer): a map x ↦ x − τWᵀσ(Wx + b) that is not symplectic. */
    static MultiLayerNetwork gradientFlow(long seed) {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .seed(seed).list().layer(new GradientFlowDense.Builder().nHidden(8).build())
                .setInputType(InputType.feedForward(FEATURES)).build());
        net.init();
        return net;
    }

    /** A labelled batch: Gaussian features, the class of the largest of the first three features. */
    static DataSet classes(int n, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.randn(DataType.DOUBLE, n, FEATURES);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, n, CLASSES);
        for (int i = 0; i < n; i++) {
            int best = 0;
            for (int k = 1; k < CLASSES; k++) {
                if (x.getDouble(i, k) > x.getDouble(i, best)) {
                    best = k;
                }
            }
            y.putScalar(i, best, 1.0);
        }
        return new DataSet(x, y);
    }

    /** Minibatches of 16 over {@code n} examples, as an iterator (so that epochs end and listeners hear it). */
    static DataSetIterator batches(int n, long seed) {
        return new ListDataSetIterator<>(classes(n, seed).asList(), 16);
    }

    /** One step of the harmonic oscillator's flow (rotation by 0.3) from random points: a phase-space data set. */
    static DataSet rotation(int n, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.randn(DataType.DOUBLE, n, 2);
        double c = Math.cos(0.3);
        double s = Math.sin(0.3);
        INDArray q = x.getColumn(0);
        INDArray p = x.getColumn(1);
        INDArray y = Nd4j.hstack(q.mul(c).add(p.mul(s)).reshape(n, 1), p.mul(c).sub(q.mul(s)).reshape(n, 1));
        return new DataSet(x, y);
    }

    /** Records the network's score after each iteration, as DL4J's listeners see it. */
    static final class Scores extends BaseTrainingListener {
        final List<Double> values = new ArrayList<>();

        @Override
        public void iterationDone(Model model, int iteration, int epoch) {
            values.add(model.score());
        }
    }
}
