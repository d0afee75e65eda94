package io.github.structnet.spark;

import io.github.structnet.certify.Attacks;
import io.github.structnet.certify.MarginCertificate;
import io.github.structnet.certify.NetworkLipschitz;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

/**
 * Certified accuracy and an ℓ2 PGD attack over an RDD of minibatches, map-only: the driver computes the certificate
 * once from the network's weights — the body's Lipschitz bound L ({@link NetworkLipschitz}) and the effective
 * last-layer matrix W ({@link MarginCertificate#affineWeights}) — and broadcasts it with the network; each partition
 * computes, per example, the pairwise certified radius r(x) = min_{j≠y} (f_y − f_j)/(L ‖w_y − w_j‖)
 * ({@link MarginCertificate#pairwiseRadii}) and attacks it at every ε; only counts come back. The result equals the
 * single-machine computation on the same minibatches (no averaging, no sampling).
 */
public final class DistributedCertification {

    /**
     * Counts over the data.
     *
     * @param examples   examples evaluated
     * @param correct    classified correctly (certified radius &gt; 0)
     * @param epsilons   the radii
     * @param certified  per ε, examples with certified radius &gt; ε
     * @param robust     per ε, examples still classified correctly after the PGD attack (all zero without attack)
     * @param violations examples certified at some ε that the attack nevertheless flipped (0 for a sound
     *                   certificate)
     * @param bound      the network's certified Lipschitz bound up to the logits
     * @param pgdSteps   the attack's steps (0: not attacked)
     */
    public record Result(long examples, long correct, double[] epsilons, long[] certified, long[] robust,
                         long violations, double bound, int pgdSteps) implements Serializable {

        /** Clean accuracy. */
        public double cleanAccuracy() {
            return (double) correct / examples;
        }

        /** Certified accuracy at the i-th ε. */
        public double certifiedAccuracy(int i) {
            return (double) certified[i] / examples;
        }

        /** Accuracy under the attack at the i-th ε. */
        public double attackedAccuracy(int i) {
            return (double) robust[i] / examples;
        }

        Result plus(Result o) {
            long[] c = certified.clone();
            long[] r = robust.clone();
            for (int i = 0; i < c.length; i++) {
                c[i] += o.certified[i];
                r[i] += o.robust[i];
            }
            return new Result(examples + o.examples, correct + o.correct, epsilons, c, r, violations + o.violations,
                    bound, pgdSteps);
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder(String.format(java.util.Locale.ROOT,
                    "%d examples, clean %.2f %%, Lipschitz bound %.6f", examples, 100 * cleanAccuracy(), bound));
            for (int i = 0; i < epsilons.length; i++) {
                sb.append(String.format(java.util.Locale.ROOT, "; ε = %s: certified %.2f %%", epsilons[i],
                        100 * certifiedAccuracy(i)));
                if (pgdSteps > 0) {
                    sb.append(String.format(java.util.Locale.ROOT, ", PGD %.2f %%", 100 * attackedAccuracy(i)));
                }
            }
            return pgdSteps > 0 ? sb.append("; certified examples flipped by the attack: ").append(violations)
                    .toString() : sb.toString();
        }
    }

    /** What every partition needs: the network, the certificate and the attack settings. */
    private record Job(byte[] model, int logitsLayer, double bodyBound, double[][] lastWeights, double[] epsilons,
                       int pgdSteps, long seed, double bound) implements Serializable {
    }

    private DistributedCertification() {
    }

    /**
     * Certifies and attacks every example of {@code data}.
     *
     * @param net         a classifier whose layer {@code logitsLayer} is affine and gives the logits
     * @param logitsLayer index of that layer (≥ 1)
     * @param epsilons    ℓ2 radii, each ≥ 0
     * @param pgdSteps    steps of the attack at each ε; 0 for none
     * @param seed        seed of the attack's random starts (the i-th ε uses seed + i)
     */
    public static Result evaluate(JavaSparkContext sc, MultiLayerNetwork net, int logitsLayer, JavaRDD<DataSet> data,
                                  double[] epsilons, int pgdSteps, long seed) {
        return evaluate(sc, net, logitsLayer, null, data, epsilons, pgdSteps, seed);
    }

    /**
     * As {@link #evaluate(JavaSparkContext, MultiLayerNetwork, int, JavaRDD, double[], int, long)} for a network
     * whose bound depends on the input size (convolutions): {@code inputType} is the input the network is certified
     * on ({@link NetworkLipschitz#upperBound(MultiLayerNetwork, int, InputType)}); null for size-independent ones.
     */
    public static Result evaluate(JavaSparkContext sc, MultiLayerNetwork net, int logitsLayer, InputType inputType,
                                  JavaRDD<DataSet> data, double[] epsilons, int pgdSteps, long seed) {
        Job job = job(net, logitsLayer, inputType, data.first(), epsilons, pgdSteps, seed);
        Broadcast<Job> shared = sc.broadcast(job);
        try {
            List<Result> parts = data.mapPartitions((Iterator<DataSet> batches) -> {
                Job j = shared.value();
                MultiLayerNetwork copy = restore(j.model());
                Result sum = empty(j);
                while (batches.hasNext()) {
                    sum = sum.plus(count(copy, j, batches.next()));
                }
                return List.of(sum).iterator();
            }).collect();
            return parts.stream().reduce(empty(job), Result::plus);
        } finally {
            shared.destroy();
        }
    }

    /** The same computation on one machine, minibatch by minibatch (what {@link #evaluate} distributes). */
    public static Result evaluateLocally(MultiLayerNetwork net, int logitsLayer, InputType inputType,
                                         List<DataSet> data, double[] epsilons, int pgdSteps, long seed) {
        if (data.isEmpty()) {
            throw new IllegalArgumentException("DistributedCertification: no data");
        }
        Job job = job(net, logitsLayer, inputType, data.get(0), epsilons, pgdSteps, seed);
        Result sum = empty(job);
        for (DataSet batch : data) {
            sum = sum.plus(count(net, job, batch));
        }
        return sum;
    }

    private static Job job(MultiLayerNetwork net, int logitsLayer, InputType inputType, DataSet sample,
                           double[] epsilons, int pgdSteps, long seed) {
        if (logitsLayer < 1 || logitsLayer >= net.getnLayers()) {
            throw new IllegalArgumentException("DistributedCertification: logitsLayer must lie in [1, "
                    + (net.getnLayers() - 1) + "]; got " + logitsLayer);
        }
        for (double e : epsilons) {
            if (!(e >= 0) || Double.isInfinite(e)) {
                throw new IllegalArgumentException("DistributedCertification: every ε must be >= 0 and finite; got "
                        + Arrays.toString(epsilons));
            }
        }
        if (pgdSteps < 0) {
            throw new IllegalArgumentException("DistributedCertification: pgdSteps must be >= 0; got " + pgdSteps);
        }
        double bodyBound = inputType == null ? NetworkLipschitz.upperBound(net, logitsLayer - 1)
                : NetworkLipschitz.upperBound(net, logitsLayer - 1, inputType);
        double bound = inputType == null ? NetworkLipschitz.upperBound(net, logitsLayer)
                : NetworkLipschitz.upperBound(net, logitsLayer, inputType);
        INDArray w = MarginCertificate.affineWeights(net, logitsLayer, logitsInputs(net, logitsLayer, sample));
        return new Job(bytes(net), logitsLayer, bodyBound, w.toDoubleMatrix(), epsilons.clone(), pgdSteps, seed,
                bound);
    }

    /** The width of the logits layer's input, from one example pushed through the body. */
    private static int logitsInputs(MultiLayerNetwork net, int logitsLayer, DataSet sample) {
        INDArray one = sample.getFeatures().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 1));
        INDArray h = net.feedForwardToLayer(logitsLayer - 1, one, false).get(logitsLayer);
        if (h.rank() != 2) {
            throw new IllegalArgumentException("DistributedCertification: the input of layer " + logitsLayer
                    + " has shape " + Arrays.toString(h.shape()) + "; the logits layer must be an affine layer on"
                    + " flat features");
        }
        return (int) h.size(1);
    }

    private static Result empty(Job j) {
        return new Result(0, 0, j.epsilons(), new long[j.epsilons().length], new long[j.epsilons().length], 0,
                j.bound(), j.pgdSteps());
    }

    private static Result count(MultiLayerNetwork net, Job j, DataSet batch) {
        INDArray x = batch.getFeatures();
        INDArray y = batch.getLabels();
        int n = (int) x.size(0);
        INDArray logits = net.feedForwardToLayer(j.logitsLayer(), x, false).get(j.logitsLayer() + 1);
        INDArray w = Nd4j.create(j.lastWeights()).castTo(logits.dataType());
        double[] radii = MarginCertificate.pairwiseRadii(logits, y, j.bodyBound(), w);
        long correct = Arrays.stream(radii).filter(r -> r > 0).count();
        int k = j.epsilons().length;
        long[] certified = new long[k];
        long[] robust = new long[k];
        long violations = 0;
        INDArray truth = y.argMax(1);
        for (int e = 0; e < k; e++) {
            double eps = j.epsilons()[e];
            boolean[] flipped = new boolean[n];
            if (j.pgdSteps() > 0) {
                INDArray adv = Attacks.pgd(Attacks.of(net), x, y, Attacks.Pgd.of(eps, j.pgdSteps(), j.seed() + e));
                INDArray predicted = net.output(adv, false).argMax(1);
                for (int i = 0; i < n; i++) {
                    flipped[i] = predicted.getLong(i) != truth.getLong(i);
                    robust[e] += flipped[i] ? 0 : 1;
                }
            }
            for (int i = 0; i < n; i++) {
                if (radii[i] > eps) {
                    certified[e]++;
                    violations += flipped[i] ? 1 : 0;
                }
            }
        }
        return new Result(n, correct, j.epsilons(), certified, robust, violations, j.bound(), j.pgdSteps());
    }

    private static byte[] bytes(MultiLayerNetwork net) {
        try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            ModelSerializer.writeModel(net, out, false);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("DistributedCertification: cannot serialise the network", e);
        }
    }

    private static MultiLayerNetwork restore(byte[] model) {
        try {
            return ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(model), false);
        } catch (IOException e) {
            throw new UncheckedIOException("DistributedCertification: cannot restore the broadcast network", e);
        }
    }
}
