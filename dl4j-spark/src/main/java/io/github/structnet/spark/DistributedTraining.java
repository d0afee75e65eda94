package io.github.structnet.spark;

import io.github.structnet.samediff.StateRepair;
import org.apache.spark.api.java.JavaRDD;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Training StructNet networks with DL4J's own Spark integration. Two things differ from an ordinary network: the
 * power-iteration vectors are state that parameter averaging averages along with the weights, so every worker
 * repairs them before each minibatch ({@link StateRepairHook}) and the driver after each fit; and the certificate
 * is computed at inference from the averaged weights, so it holds for the model the driver ends up with.
 * <pre>
 *   ParameterAveragingTrainingMaster tm = DistributedTraining.parameterAveraging(32).averagingFrequency(5).build();
 *   SparkDl4jMultiLayer spark = new SparkDl4jMultiLayer(sc, conf, tm);
 *   MultiLayerNetwork net = DistributedTraining.fit(spark, trainingRdd);   // one epoch
 * </pre>
 */
public final class DistributedTraining {

    private DistributedTraining() {
    }

    /**
     * DL4J's parameter-averaging master for minibatches of {@code batchSizePerWorker} examples (the RDD holds
     * {@code DataSet}s of that many examples), with the state-repair hook installed; set the averaging frequency and
     * the rest on the returned builder. Replacing its hooks with {@code trainingHooks(...)} drops the repair.
     */
    public static ParameterAveragingTrainingMaster.Builder parameterAveraging(int batchSizePerWorker) {
        if (batchSizePerWorker < 1) {
            throw new IllegalArgumentException("DistributedTraining: batchSizePerWorker must be >= 1; got "
                    + batchSizePerWorker);
        }
        return new ParameterAveragingTrainingMaster.Builder(batchSizePerWorker).batchSizePerWorker(batchSizePerWorker)
                .trainingHooks(new StateRepairHook());
    }

    /** One epoch over {@code data}, then the driver's network's state repaired; returns that network. */
    public static MultiLayerNetwork fit(SparkDl4jMultiLayer spark, JavaRDD<DataSet> data) {
        MultiLayerNetwork net = spark.fit(data);
        StateRepair.repair(net);
        return net;
    }

    /** One epoch over {@code data}, then the driver's graph's state repaired; returns that graph. */
    public static ComputationGraph fit(SparkComputationGraph spark, JavaRDD<DataSet> data) {
        ComputationGraph graph = spark.fit(data);
        StateRepair.repair(graph);
        return graph;
    }
}
