package io.github.structnet.examples.wasserstein;

import io.github.structnet.examples.common.Charts;
import io.github.structnet.examples.data.MnistData;
import io.github.structnet.examples.pnp.ImageStrip;
import io.github.structnet.wasserstein.OptimalAssignment;
import io.github.structnet.wasserstein.Wasserstein1;
import io.github.structnet.wasserstein.Wgan;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.RmsProp;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * A WGAN on MNIST digits, with a {@code ComputationGraph} generator (noise 64 → 256 → 512 → 784, sigmoid), twice
 * with the same generator and budget (5 critic steps per generator step, minibatch 64):
 * <ul>
 *   <li><b>certified critic</b>: StructNet's 1-Lipschitz critic ({@link Wasserstein1#critic}: width 256, 2
 *       gradient-flow blocks), Adam 1e-3; generator Adam 2e-4 (β₁ = 0.5, β₂ = 0.9);</li>
 *   <li><b>weight clipping</b>: an unconstrained ReLU critic (512-256) clipped to [−0.01, 0.01], RMSProp 5e-5 for
 *       both networks (Arjovsky et al. 2017).</li>
 * </ul>
 * At every report: the exact W₁ (pixel space, optimal assignment) between 500 generated digits and 500 test digits,
 * and the critic's certified lower bound; {@code wgan-mnist-w1.png} plots both, {@code wgan-mnist-<run>.png} shows
 * 8×8 fixed-noise samples per report.
 * <p>Usage: {@code MnistWgan [--quick] [--out DIR]}; MNIST as for {@code CertifiedMnist}.
 */
public final class MnistWgan {

    private static final int NOISE = 64;
    private static final int POINTS = 500;

    private MnistWgan() {
    }

    static ComputationGraph generator(IUpdater updater) {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .seed(5).updater(updater).graphBuilder().addInputs("z")
                .addLayer("h1", new DenseLayer.Builder().nOut(256).activation(Activation.RELU).build(), "z")
                .addLayer("h2", new DenseLayer.Builder().nOut(512).activation(Activation.RELU).build(), "h1")
                .addLayer("image", new DenseLayer.Builder().nOut(784).activation(Activation.SIGMOID).build(), "h2")
                .setOutputs("image").setInputTypes(InputType.feedForward(NOISE)).build());
        g.init();
        return g;
    }

    public static List<WganComparison.Run> run(boolean quick, INDArray train, INDArray test) {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        int iterations = quick ? 20 : 500;
        Wgan.Settings settings = new Wgan.Settings(iterations, 5, 64, NOISE, quick ? 10 : 50, null);
        INDArray reference = test.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, POINTS),
                org.nd4j.linalg.indexing.NDArrayIndex.all());
        Random random = new Random(2);
        java.util.function.IntFunction<INDArray> real = n -> {
            int[] rows = random.ints(n, 0, (int) train.size(0)).toArray();
            return Nd4j.pullRows(train, 1, rows);
        };
        List<WganComparison.Run> runs = new ArrayList<>();
        runs.add(WganComparison.run("certified critic", generator(new Adam(2e-4, 0.5, 0.9, 1e-8)),
                Wasserstein1.critic(784, 256, 2, 1e-3, 3), real, settings, POINTS,
                x -> OptimalAssignment.wasserstein1(x, reference).meanCost()));
        runs.add(WganComparison.run("weight clipping", generator(new RmsProp(5e-5)),
                EightGaussiansWgan.clippedCritic(784, new int[]{512, 256}, 3), real, settings.withWeightClip(0.01),
                POINTS, x -> OptimalAssignment.wasserstein1(x, reference).meanCost()));
        return runs;
    }

    /** The first 64 samples of up to five reports, each tiled 8×8, in one strip per run. */
    public static void writeSamples(WganComparison.Run run, File png) throws IOException {
        List<ImageStrip.Panel> panels = new ArrayList<>();
        for (WganComparison.Snapshot s : run.spread()) {
            panels.add(new ImageStrip.Panel(String.format(Locale.ROOT, "it %d: W1 %.2f", s.iteration(), s.measure()),
                    tile(s.samples())));
        }
        ImageStrip.write(panels, png.toPath());
    }

    /** 64 digits [≥ 64, 784] as one 224×224 image [1, 1, 224, 224]. */
    static INDArray tile(INDArray digits) {
        INDArray image = Nd4j.zeros(DataType.DOUBLE, 1, 1, 224, 224);
        for (int k = 0; k < 64; k++) {
            INDArray digit = digits.getRow(k).reshape(28, 28);
            int r0 = (k / 8) * 28;
            int c0 = (k % 8) * 28;
            for (int i = 0; i < 28; i++) {
                for (int j = 0; j < 28; j++) {
                    image.putScalar(new long[]{0, 0, r0 + i, c0 + j}, digit.getDouble(i, j));
                }
            }
        }
        return image;
    }

    public static void main(String[] args) throws IOException {
        Charts.ExampleArgs a = Charts.parse(args, "output/wasserstein", "MnistWgan [--quick] [--out DIR]");
        INDArray train = MnistData.load(MnistData.Kind.MNIST, true, null, a.quick() ? 2000 : 60000).getFeatures()
                .castTo(DataType.DOUBLE);
        INDArray test = MnistData.load(MnistData.Kind.MNIST, false, null, POINTS).getFeatures()
                .castTo(DataType.DOUBLE);
        List<WganComparison.Run> runs = run(a.quick(), train, test);
        System.out.print(WganComparison.table("exact W1, 500 vs 500", runs));
        double floor = OptimalAssignment.wasserstein1(train.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0,
                POINTS), org.nd4j.linalg.indexing.NDArrayIndex.all()), test).meanCost();
        System.out.printf(Locale.ROOT, "exact W1 between %d training and %d test digits: %.4f%n", POINTS, POINTS,
                floor);
        WganComparison.writeCurves("WGAN on MNIST", "exact W1 (500 vs 500 digits)", runs,
                new File(a.out(), "wgan-mnist-w1.png"));
        writeSamples(runs.get(0), new File(a.out(), "wgan-mnist-certified.png"));
        writeSamples(runs.get(1), new File(a.out(), "wgan-mnist-clipping.png"));
    }
}
