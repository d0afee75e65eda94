package io.github.structnet.spark;

import io.github.structnet.samediff.StateRepair;
import org.apache.spark.api.java.JavaRDD;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.spark.parameterserver.training.SharedTrainingMaster;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.parameterserver.distributed.conf.VoidConfiguration;

/**
 * Training StructNet networks with DL4J's own Spark integration, by parameter averaging or by gradient sharing. Two
 * things differ from an ordinary network: the power-iteration vectors are state that parameter averaging averages
 * along with the weights, so every worker repairs them before each minibatch ({@link StateRepairHook}) and the
 * driver after each fit; and the certificate is computed at inference from the weights the driver ends up with, so
 * it holds for that model.
 * <pre>
 *   ParameterAveragingTrainingMaster tm = DistributedTraining.parameterAveraging(32).averagingFrequency(5).build();
 *   // or: SharedTrainingMaster tm = DistributedTraining.gradientSharing(
 *   //         new SharedTrainingMaster.Builder(voidConfiguration, 32).batchSizePerWorker(32));
 *   SparkDl4jMultiLayer spark = new SparkDl4jMultiLayer(sc, conf, tm);
 *   MultiLayerNetwork net = DistributedTraining.fit(spark, trainingRdd);   // one epoch
 * </pre>
 */
public final class DistributedTraining {

    /** The Aeron system property that gradient sharing needs above 30 s (see {@link #gradientSharing}). */
    public static final String AERON_UNBLOCK_TIMEOUT = "aeron.publication.unblock.timeout";

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

    /**
     * DL4J's gradient-sharing master (each worker's updates threshold-encoded and sent to the others over Aeron) built
     * from {@code configured}, with the state-repair hook added. The power-iteration vectors are not shared — their
     * updates are zero — so each worker keeps its own valid vector; the hook and {@link #fit} repair what the driver
     * receives.
     * <p>DL4J 1.0.0-M2's transport starts Aeron 1.32 with a client liveness timeout of 30 s and the default
     * publication unblock timeout of 15 s, a combination Aeron refuses ("publicationUnblockTimeoutNs ≤
     * clientLivenessTimeoutNs"). When the system property {@value #AERON_UNBLOCK_TIMEOUT} is not set, this sets it to
     * 60 s in this JVM (the driver, and the executors of a {@code local[n]} master); a cluster's executors need
     * {@code -Daeron.publication.unblock.timeout=60000000000} in {@code spark.executor.extraJavaOptions}.
     */
    public static SharedTrainingMaster gradientSharing(SharedTrainingMaster.Builder configured) {
        if (System.getProperty(AERON_UNBLOCK_TIMEOUT) == null) {
            System.setProperty(AERON_UNBLOCK_TIMEOUT, String.valueOf(60_000_000_000L));
        }
        SharedTrainingMaster master = configured.build();
        master.addHook(new StateRepairHook());
        return master;
    }

    /**
     * The transport settings for gradient sharing when Spark runs on one machine ({@code local[n]}): loopback
     * addresses, the controller on 127.0.0.1, UDP on {@code port}.
     */
    public static VoidConfiguration localTransport(int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("DistributedTraining: port must be in [1, 65535]; got " + port);
        }
        return VoidConfiguration.builder().unicastPort(port).networkMask("127.0.0.0/8").controllerAddress("127.0.0.1")
                .build();
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
