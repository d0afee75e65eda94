package io.github.structnet.spark;

import io.github.structnet.certify.MarginCertificate;
import io.github.structnet.certify.NetworkLipschitz;
import io.github.structnet.lipschitz.GradientFlowDense;
import io.github.structnet.lipschitz.MaxMin;
import io.github.structnet.lipschitz.NormalizedRowsDense;
import io.github.structnet.lipschitz.SpectralDense;
import io.github.structnet.lipschitz.TemperatureCrossEntropy;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.api.TrainingMaster;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.spark.parameterserver.training.SharedTrainingMaster;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.threshold.FixedThresholdAlgorithm;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * StructNet networks on Spark in local[2]: parameter averaging and gradient sharing over two workers leave unit
 * power-iteration vectors
 * and a certificate that holds on random pairs and survives a reload; one worker gives the single-machine result;
 * graphs train with both; distributed certification equals the single-machine computation.
 */
class SparkTrainingTest {

    private static JavaSparkContext sc;

    @BeforeAll
    static void start() {
        sc = new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("SparkTrainingTest")
                .set("spark.ui.enabled", "false"));
    }

    @AfterAll
    static void stop() {
        sc.stop();
    }

    private static MultiLayerConfiguration classifier(DataType type) {
        return new NeuralNetConfiguration.Builder().dataType(type).seed(11).updater(new Adam(0.01)).list()
                .layer(new SpectralDense.Builder().name("lift").nOut(8).build())
                .layer(new ActivationLayer.Builder().activation(new MaxMin()).build())
                .layer(new GradientFlowDense.Builder().name("block").nHidden(8).build())
                .layer(new NormalizedRowsDense.Builder().name("logits").nOut(3).build())
                .layer(new LossLayer.Builder(new TemperatureCrossEntropy(2.0, 0.5)).activation(Activation.SOFTMAX)
                        .build())
                .setInputType(InputType.feedForward(4)).build();
    }

    /** Samples of three fixed Gaussian blobs in 4 dimensions, minibatches of {@code batch}. */
    private static List<DataSet> blobs(DataType type, int batches, int batch, long seed) {
        Nd4j.getRandom().setSeed(100);
        INDArray centres = Nd4j.randn(type, 3, 4).muli(2);
        Nd4j.getRandom().setSeed(seed);
        List<DataSet> out = new ArrayList<>();
        for (int b = 0; b < batches; b++) {
            INDArray x = Nd4j.randn(type, batch, 4).muli(0.7);
            INDArray y = Nd4j.zeros(type, batch, 3);
            for (int i = 0; i < batch; i++) {
                int c = (b * batch + i) % 3;
                x.getRow(i).addi(centres.getRow(c));
                y.putScalar(i, c, 1);
            }
            out.add(new DataSet(x, y));
        }
        return out;
    }

    private static ParameterAveragingTrainingMaster master(int batch, int averagingFrequency) {
        return DistributedTraining.parameterAveraging(batch).averagingFrequency(averagingFrequency)
                .workerPrefetchNumBatches(0)
                .rddTrainingApproach(RDDTrainingApproach.Direct).repartionData(Repartition.Never).rngSeed(5)
                .build();
    }

    /**
     * Gradient sharing over loopback on a free port, minibatches of 8, one worker per partition, partitions trained
     * directly (DL4J's default, exporting them to files first, hung once in about ten runs in local mode here).
     */
    private static SharedTrainingMaster sharedMaster() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        return DistributedTraining.gradientSharing(new SharedTrainingMaster.Builder(
                DistributedTraining.localTransport(port), 8).batchSizePerWorker(8).workersPerNode(1)
                .workerPrefetchNumBatches(0).rngSeed(5).rddTrainingApproach(RDDTrainingApproach.Direct)
                // an update is sent as ±threshold per element: at Adam's step of 0.01, a threshold of 0.01 lets the
                // few steps of these tests move the weights as far as parameter averaging does
                .thresholdAlgorithm(new FixedThresholdAlgorithm(0.01)));
    }

    @Test
    void parameterAveragingOnTwoWorkersKeepsValidStateAndASoundCertificate(@TempDir Path dir) throws Exception {
        MultiLayerNetwork net = trainOnTwoWorkers(master(8, 2), 1);
        double bound = NetworkLipschitz.upperBound(net, 3);
        File file = dir.resolve("spark.zip").toFile();
        ModelSerializer.writeModel(net, file, true);
        MultiLayerNetwork back = ModelSerializer.restoreMultiLayerNetwork(file, true);
        assertEquals(net.params(), back.params());
        assertEquals(bound, NetworkLipschitz.upperBound(back, 3), 0.0);
    }

    @Test
    void gradientSharingOnTwoWorkersKeepsValidStateAndASoundCertificate() throws Exception {
        trainOnTwoWorkers(sharedMaster(), 2);
    }

    /**
     * Three epochs of the classifier on two workers; asserts that training moved the weights, that the
     * power-iteration vectors are unit vectors, that the body is certified at ≤ 1, that no random pair of 2,000
     * exceeds the logits' certificate, and that the blobs were learned. Returns the trained network.
     */
    private static MultiLayerNetwork trainOnTwoWorkers(TrainingMaster<?, ?> master, long seed) {
        SparkDl4jMultiLayer spark = new SparkDl4jMultiLayer(sc, classifier(DataType.FLOAT), master);
        String which = master.getClass().getSimpleName();
        List<DataSet> data = blobs(DataType.FLOAT, 16, 8, seed);
        INDArray initial = spark.getNetwork().params().dup();
        MultiLayerNetwork net = null;
        for (int epoch = 0; epoch < 3; epoch++) {
            net = DistributedTraining.fit(spark, sc.parallelize(data, 2));
        }
        double moved = net.params().distance2(initial);
        assertTrue(moved > 0.1, which + ": training moved the weights by " + moved);
        for (String layer : List.of("0_v", "2_v", "3_v")) {
            INDArray v = net.getParam(layer);
            if (v != null) {
                assertEquals(1.0, v.norm2Number().doubleValue(), 1e-5, which + " " + layer);
            }
        }
        double body = NetworkLipschitz.upperBound(net, 2);
        assertTrue(body <= 1 + 1e-4, which + ": certified bound of the 1-Lipschitz body " + body);
        double bound = NetworkLipschitz.upperBound(net, 3); // the logits: unit rows, norm up to √3
        Nd4j.getRandom().setSeed(9);
        INDArray a = Nd4j.randn(DataType.FLOAT, 2000, 4);
        INDArray b = a.add(Nd4j.randn(DataType.FLOAT, 2000, 4).muli(0.3));
        INDArray fa = net.feedForwardToLayer(3, a, false).get(4);
        INDArray fb = net.feedForwardToLayer(3, b, false).get(4);
        double ratio = fa.sub(fb).norm2(1).div(a.sub(b).norm2(1)).maxNumber().doubleValue();
        assertTrue(ratio <= bound, which + ": ratio " + ratio + " above the certificate " + bound);
        double accuracy = net.evaluate(new org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator<>(data))
                .accuracy();
        assertTrue(accuracy > 0.8, which + ": the trained model learned the blobs: accuracy " + accuracy);
        return net;
    }

    @Test
    void oneWorkerGivesTheSingleMachineResult() {
        // one worker, and an averaging period covering all 6 minibatches: one split, fitted in order
        List<DataSet> data = blobs(DataType.DOUBLE, 6, 8, 2);
        MultiLayerNetwork single = new MultiLayerNetwork(classifier(DataType.DOUBLE));
        single.init();
        SparkDl4jMultiLayer spark = new SparkDl4jMultiLayer(sc, single.clone(), master(8, 6));
        for (DataSet d : data) {
            single.fit(d);
        }
        MultiLayerNetwork distributed = DistributedTraining.fit(spark, sc.parallelize(data, 1));
        Map<String, INDArray> expected = single.paramTable();
        for (Map.Entry<String, INDArray> e : distributed.paramTable().entrySet()) {
            double diff = e.getValue().sub(expected.get(e.getKey())).amaxNumber().doubleValue();
            assertTrue(diff <= 1e-12, e.getKey() + " differs by " + diff);
        }
    }

    @Test
    void aGraphTrainsWithParameterAveragingAndWithGradientSharing() throws Exception {
        for (TrainingMaster<?, ?> master : List.of(master(8, 2), sharedMaster())) {
            ComputationGraph graph = new ComputationGraph(new NeuralNetConfiguration.Builder()
                    .dataType(DataType.FLOAT).seed(3).updater(new Adam(0.01)).graphBuilder().addInputs("in")
                    .addLayer("lift", new SpectralDense.Builder().nOut(6).build(), "in")
                    .addLayer("block", new GradientFlowDense.Builder().nHidden(6).build(), "lift")
                    .addLayer("logits", new NormalizedRowsDense.Builder().nOut(3).build(), "block")
                    .addLayer("loss", new LossLayer.Builder(new TemperatureCrossEntropy(2.0)).activation(
                            Activation.SOFTMAX).build(), "logits")
                    .setOutputs("loss").setInputTypes(InputType.feedForward(4)).build());
            graph.init();
            INDArray initial = graph.params().dup();
            SparkComputationGraph spark = new SparkComputationGraph(sc, graph, master);
                ComputationGraph trained = DistributedTraining.fit(spark,
                    sc.parallelize(blobs(DataType.FLOAT, 8, 8, 3), 2));
            String which = master.getClass().getSimpleName();
            assertTrue(trained.params().distance2(initial) > 0.01, which + ": the graph trained");
            assertArrayEquals(new double[]{1, 1}, new double[]{
                    trained.getLayer("lift").getParam("v").norm2Number().doubleValue(),
                    trained.getLayer("block").getParam("v").norm2Number().doubleValue()}, 1e-5, which);
            assertTrue(NetworkLipschitz.upperBound(trained, "block", InputType.feedForward(4)) <= 1 + 1e-4, which);
        }
    }

    @Test
    void distributedCertificationEqualsTheSingleMachineComputation() {
        MultiLayerNetwork net = new MultiLayerNetwork(classifier(DataType.FLOAT));
        net.init();
        List<DataSet> train = blobs(DataType.FLOAT, 20, 16, 4);
        for (int epoch = 0; epoch < 5; epoch++) {
            train.forEach(net::fit);
        }
        List<DataSet> test = blobs(DataType.FLOAT, 6, 10, 5);
        double[] eps = {0.1, 0.5, 1.0};
        DistributedCertification.Result distributed = DistributedCertification.evaluate(sc, net, 3,
                sc.parallelize(test, 3), eps, 5, 21);
        DistributedCertification.Result local = DistributedCertification.evaluateLocally(net, 3, null, test, eps, 5,
                21);
        assertEquals(60, distributed.examples());
        assertEquals(local.correct(), distributed.correct());
        assertArrayEquals(local.certified(), distributed.certified());
        assertArrayEquals(local.robust(), distributed.robust());
        assertEquals(0, distributed.violations(), "no certified example flipped by the attack");

        // the certificate computed directly, without the distributed code
        INDArray x = org.nd4j.linalg.factory.Nd4j.vstack(test.stream().map(DataSet::getFeatures).toList());
        INDArray y = org.nd4j.linalg.factory.Nd4j.vstack(test.stream().map(DataSet::getLabels).toList());
        double[] radii = MarginCertificate.pairwiseRadii(net.feedForwardToLayer(3, x, false).get(4), y,
                NetworkLipschitz.upperBound(net, 2), MarginCertificate.affineWeights(net, 3, 8));
        for (int e = 0; e < eps.length; e++) {
            assertEquals(MarginCertificate.certifiedAccuracy(radii, eps[e]), distributed.certifiedAccuracy(e), 1e-12);
            assertTrue(distributed.attackedAccuracy(e) >= distributed.certifiedAccuracy(e));
        }
        assertEquals(MarginCertificate.certifiedAccuracy(radii, 0.0), distributed.cleanAccuracy(), 1e-12);
        assertTrue(distributed.certifiedAccuracy(0) > 0.5, distributed.toString());
    }
}
