package io.github.structnet.lipschitz;

import io.github.structnet.testutil.Nets;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.FixedSchedule;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.MapSchedule;
import org.nd4j.linalg.schedule.RampSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The margin schedule: every training step's score is the loss at the margin the schedule gives for that iteration
 * (computed independently), epoch schedules on a graph, the margin kept through a save and reload, bad values and
 * networks without a margin loss refused with the reason.
 */
class MarginScheduleTest {

    private static MultiLayerNetwork classifier(MarginLoss loss) {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .seed(7).updater(new Adam(0.05)).list()
                .layer(new AolDense.Builder().nOut(6).build())
                .layer(new NormalizedRowsDense.Builder().nOut(3).build())
                .layer(new LossLayer.Builder(loss).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(4)).build());
        net.init();
        return net;
    }

    private static DataSet data(int n, long seed) {
        Nd4j.getRandom().setSeed(seed);
        return new DataSet(Nd4j.randn(DataType.DOUBLE, n, 4), Nets.oneHot(n, 3));
    }

    @Test
    void everyStepIsScoredWithTheMarginOfItsIteration() {
        MultiLayerNetwork net = classifier(new TemperatureCrossEntropy(2.0, 0.0));
        ISchedule ramp = new RampSchedule(new FixedSchedule(1.5), 4); // 0.375, 0.75, 1.125, 1.5, 1.5, ...
        MarginSchedule schedule = MarginSchedule.attach(net, ramp);
        DataSet d = data(8, 1);
        for (int i = 0; i < 6; i++) {
            double u = ramp.valueAt(i, 0);
            assertEquals(u, schedule.losses().get(0).marginValue(), 0.0, "margin before iteration " + i);
            List<INDArray> acts = net.feedForward(d.getFeatures(), true);
            INDArray logits = acts.get(acts.size() - 2);
            double expected = new TemperatureCrossEntropy(2.0, u).computeScore(d.getLabels(), logits,
                    new ActivationSoftmax(), null, true);
            net.fit(d);
            assertEquals(expected, net.score(), 1e-12, "score of iteration " + i + " (offset " + u + ")");
        }
        assertEquals(1.5, schedule.losses().get(0).marginValue(), 0.0);
    }

    @Test
    void followsAnEpochScheduleOnAGraph() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        ComputationGraph graph = new ComputationGraph(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .seed(3).updater(new Adam(0.01)).graphBuilder().addInputs("in")
                .addLayer("lift", new AolDense.Builder().nOut(6).build(), "in")
                .addLayer("logits", new NormalizedRowsDense.Builder().nOut(3).build(), "lift")
                .addLayer("loss", new LossLayer.Builder(new MultiClassHinge(0.1)).activation(Activation.IDENTITY)
                        .build(), "logits")
                .setOutputs("loss").setInputTypes(InputType.feedForward(4)).build());
        graph.init();
        List<double[]> seen = new ArrayList<>();
        graph.addListeners(new BaseTrainingListener() {
            @Override
            public void iterationDone(Model model, int iteration, int epoch) {
                MultiClassHinge loss = (MultiClassHinge) ((LossLayer) graph.getLayer("loss").conf().getLayer())
                        .getLossFn();
                seen.add(new double[]{iteration, epoch, loss.marginValue()});
            }
        });
        ISchedule doubling = new ExponentialSchedule(ScheduleType.EPOCH, 0.5, 2.0);
        MarginSchedule.attach(graph, doubling);
        graph.fit(new ListDataSetIterator<>(data(12, 2).asList(), 4), 3);
        assertEquals(9, seen.size(), "3 epochs of 3 minibatches");
        for (double[] s : seen) {
            assertEquals(0.5 * Math.pow(2, s[1]), s[2], 0.0, "margin at iteration " + s[0] + ", epoch " + s[1]);
        }
        assertEquals(2, (int) seen.get(8)[1]);
    }

    @Test
    void aSavedNetworkKeepsTheMarginInForceAndTheScheduleContinues(@TempDir Path dir) throws Exception {
        MultiLayerNetwork net = classifier(new TemperatureCrossEntropy(2.0));
        ISchedule steps = new MapSchedule(ScheduleType.ITERATION, Map.of(0, 0.2, 3, 0.9, 6, 1.7));
        MarginSchedule.attach(net, steps);
        DataSet d = data(8, 4);
        for (int i = 0; i < 4; i++) {
            net.fit(d);
        }
        File file = dir.resolve("net.zip").toFile();
        ModelSerializer.writeModel(net, file, true);
        MultiLayerNetwork back = ModelSerializer.restoreMultiLayerNetwork(file, true);
        MarginLoss restored = (MarginLoss) ((LossLayer) back.getLayer(2).conf().getLayer()).getLossFn();
        assertEquals(0.9, restored.marginValue(), 0.0, "margin in force after 4 iterations");
        MarginSchedule again = MarginSchedule.attach(back, steps);
        for (int i = 4; i < 7; i++) {
            back.fit(d);
        }
        assertEquals(1.7, again.losses().get(0).marginValue(), 0.0);
        assertEquals(7, back.getIterationCount());
    }

    @Test
    void refusesValuesTheLossDoesNotAllow() {
        MultiLayerNetwork net = classifier(new TemperatureCrossEntropy(2.0));
        ISchedule goesNegative = new MapSchedule(ScheduleType.ITERATION, Map.of(0, 0.5, 2, -0.25));
        MarginSchedule.attach(net, goesNegative);
        DataSet d = data(4, 5);
        net.fit(d);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> net.fit(d));
        assertTrue(e.getMessage().contains("iteration 2") && e.getMessage().contains("-0.25")
                && e.getMessage().contains("offset must be >= 0"), e.getMessage());

        MultiLayerNetwork hinge = classifier(new MultiClassHinge(1.0));
        e = assertThrows(IllegalArgumentException.class, () -> MarginSchedule.attach(hinge, new FixedSchedule(0.0)));
        assertTrue(e.getMessage().contains("MultiClassHinge: margin must be positive")
                && e.getMessage().contains("0.0"), e.getMessage());
    }

    @Test
    void refusesANetworkWithoutAMarginLoss() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .list().layer(new AolDense.Builder().nOut(3).build())
                .layer(new LossLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(4)).build());
        net.init();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MarginSchedule.attach(net, new FixedSchedule(1.0)));
        assertTrue(e.getMessage().contains("no output or loss layer with a margin loss")
                && e.getMessage().contains("LossMCXENT"), e.getMessage());
    }
}
