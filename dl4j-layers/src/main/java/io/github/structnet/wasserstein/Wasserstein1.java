package io.github.structnet.wasserstein;

import io.github.structnet.certify.NetworkLipschitz;
import io.github.structnet.lipschitz.GradientFlowDense;
import io.github.structnet.lipschitz.SpectralDense;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Estimates W₁(P, Q) between two sample sets with a critic that is 1-Lipschitz by construction, trained with the
 * {@link KantorovichRubinstein} loss.
 * <p><b>Guarantee.</b> The returned {@link Estimate#lowerBound()} is (mean_P f − mean_Q f) / max(1, L) with L the
 * critic's Lipschitz bound computed from its trained weights ({@link NetworkLipschitz}); by Kantorovich–Rubinstein
 * duality it is at most W₁ between the two empirical distributions, whatever the training reached.
 */
public final class Wasserstein1 {

    /**
     * The result: the KR value of the critic on all samples, its certified Lipschitz bound, the certified lower bound
     * of W₁, and the KR value on each training minibatch (the training curve).
     */
    public record Estimate(double value, double lipschitzBound, double lowerBound, double[] curve) {
    }

    private Wasserstein1() {
    }

    /**
     * The default critic for d-dimensional samples: a 1-Lipschitz lift to {@code width}, {@code blocks} gradient-flow
     * blocks (hidden width 2·width), a 1-Lipschitz projection to one value, and the KR loss (double precision).
     */
    public static MultiLayerNetwork critic(int dimension, int width, int blocks, double learningRate, long seed) {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .seed(seed).updater(new Adam(learningRate)).list()
                .layer(new SpectralDense.Builder().nOut(width).build());
        for (int i = 0; i < blocks; i++) {
            list.layer(new GradientFlowDense.Builder().nHidden(2L * width).build());
        }
        list.layer(new SpectralDense.Builder().nOut(1).build())
                .layer(new LossLayer.Builder(KantorovichRubinstein.plain()).activation(Activation.IDENTITY).build());
        MultiLayerNetwork net = new MultiLayerNetwork(list.setInputType(InputType.feedForward(dimension)).build());
        net.init();
        return net;
    }

    /**
     * Trains {@code critic} (a network ending in a loss layer with a {@link KantorovichRubinstein} loss, one output)
     * on minibatches of {@code batch} samples of each set, then evaluates it on all samples.
     *
     * @param p samples of the first distribution [n, d]
     * @param q samples of the second distribution [m, d]
     */
    public static Estimate estimate(INDArray p, INDArray q, MultiLayerNetwork critic, int iterations, int batch,
                                    long seed) {
        requireSamples(p, q);
        if (iterations < 1 || batch < 1) {
            throw new IllegalArgumentException("Wasserstein1: iterations and batch must be >= 1; got " + iterations
                    + " and " + batch);
        }
        int last = Critics.requireCritic(critic, true, "Wasserstein1");
        Random random = new Random(seed);
        double[] curve = new double[iterations];
        for (int it = 0; it < iterations; it++) {
            curve[it] = fit(critic, sample(p, batch, random), sample(q, batch, random));
        }
        return evaluate(critic, last, meanOutput(critic, p), meanOutput(critic, q), curve);
    }

    /**
     * The same from two iterators of samples (the features of their minibatches): {@code epochs} passes over both in
     * lockstep (one critic step per pair of minibatches, the shorter iterator restarting), then the KR value on all
     * of both.
     *
     * @throws IllegalArgumentException for an empty iterator, samples of different dimensions, or non-finite values
     */
    public static Estimate estimate(DataSetIterator p, DataSetIterator q, MultiLayerNetwork critic, int epochs) {
        if (epochs < 1) {
            throw new IllegalArgumentException("Wasserstein1: epochs must be >= 1; got " + epochs);
        }
        int last = Critics.requireCritic(critic, true, "Wasserstein1");
        List<Double> curve = new ArrayList<>();
        for (int epoch = 0; epoch < epochs; epoch++) {
            p.reset();
            q.reset();
            requireNonEmpty(p, "first");
            requireNonEmpty(q, "second");
            while (p.hasNext()) {
                if (!q.hasNext()) {
                    q.reset();
                }
                INDArray a = p.next().getFeatures();
                INDArray b = q.next().getFeatures();
                requireSamples(a, b);
                curve.add(fit(critic, a, b));
            }
        }
        double[] means = {0, 0};
        long[] counts = {0, 0};
        DataSetIterator[] both = {p, q};
        for (int k = 0; k < 2; k++) {
            both[k].reset();
            while (both[k].hasNext()) {
                INDArray x = both[k].next().getFeatures();
                means[k] += meanOutput(critic, x) * x.size(0);
                counts[k] += x.size(0);
            }
        }
        return evaluate(critic, last, means[0] / counts[0], means[1] / counts[1],
                curve.stream().mapToDouble(Double::doubleValue).toArray());
    }

    private static void requireNonEmpty(DataSetIterator it, String which) {
        if (!it.hasNext()) {
            throw new IllegalArgumentException("Wasserstein1: the " + which + " iterator has no samples");
        }
    }

    /** One critic step on a minibatch of each (labels +1 and −1); returns the minibatch KR value. */
    private static double fit(MultiLayerNetwork critic, INDArray a, INDArray b) {
        DataType type = critic.getLayerWiseConfigurations().getDataType();
        INDArray labels = Nd4j.vstack(Nd4j.ones(type, a.size(0), 1), Nd4j.ones(type, b.size(0), 1).negi());
        critic.fit(Nd4j.vstack(a.castTo(type), b.castTo(type)), labels);
        return -critic.score();
    }

    private static Estimate evaluate(MultiLayerNetwork critic, int last, double meanP, double meanQ, double[] curve) {
        double value = meanP - meanQ;
        double bound = NetworkLipschitz.upperBound(critic, last);
        return new Estimate(value, bound, value / Math.max(1.0, bound), curve);
    }

    /** Two sample sets [n, d] and [m, d], same d, non-empty, finite. */
    private static void requireSamples(INDArray p, INDArray q) {
        if (p.rank() != 2 || q.rank() != 2 || p.size(1) != q.size(1) || p.size(0) == 0 || q.size(0) == 0) {
            throw new IllegalArgumentException("Wasserstein1: the two sample sets must be non-empty [n, d] and [m, d]"
                    + " with the same d; got " + java.util.Arrays.toString(p.shape()) + " and "
                    + java.util.Arrays.toString(q.shape()));
        }
        for (INDArray x : new INDArray[]{p, q}) {
            if (!Double.isFinite(x.sumNumber().doubleValue())) {
                throw new IllegalArgumentException("Wasserstein1: the samples must be finite; a set of shape "
                        + java.util.Arrays.toString(x.shape()) + " holds NaN or infinite values");
            }
        }
    }

    /**
     * The exact W₁ between two 1-D samples of the same size: in one dimension the monotone coupling is optimal, so
     * W₁ is the mean distance between the sorted samples.
     *
     * @param p samples [n, 1] or [n]
     * @param q samples of the same count
     */
    public static double exactOneDimensional(INDArray p, INDArray q) {
        if (p.length() != q.length() || (p.rank() == 2 && p.size(1) != 1) || (q.rank() == 2 && q.size(1) != 1)) {
            throw new IllegalArgumentException("Wasserstein1: the exact 1-D distance needs two 1-D samples of the same"
                    + " size; got " + java.util.Arrays.toString(p.shape()) + " and "
                    + java.util.Arrays.toString(q.shape()));
        }
        double[] a = p.dup().castTo(DataType.DOUBLE).data().asDouble();
        double[] b = q.dup().castTo(DataType.DOUBLE).data().asDouble();
        java.util.Arrays.sort(a);
        java.util.Arrays.sort(b);
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += Math.abs(a[i] - b[i]);
        }
        return sum / a.length;
    }

    private static double meanOutput(MultiLayerNetwork critic, INDArray samples) {
        return critic.output(samples.castTo(critic.getLayerWiseConfigurations().getDataType()), false)
                .meanNumber().doubleValue();
    }

    private static INDArray sample(INDArray data, int count, Random random) {
        int[] rows = random.ints(count, 0, (int) data.size(0)).toArray();
        INDArray out = Nd4j.create(data.dataType(), count, data.size(1));
        for (int i = 0; i < count; i++) {
            out.putRow(i, data.getRow(rows[i]));
        }
        return out;
    }
}
