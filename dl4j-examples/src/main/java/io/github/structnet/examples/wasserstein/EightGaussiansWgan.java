package io.github.structnet.examples.wasserstein;

import io.github.structnet.examples.common.Charts;
import io.github.structnet.examples.flows.DensityPanels;
import io.github.structnet.examples.flows.ToyDensity;
import io.github.structnet.wasserstein.KantorovichRubinstein;
import io.github.structnet.wasserstein.OptimalAssignment;
import io.github.structnet.wasserstein.Wasserstein1;
import io.github.structnet.wasserstein.Wgan;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.RmsProp;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * A WGAN on the 2-D mixture of 8 Gaussians ({@link ToyDensity#EIGHT_GAUSSIANS}), twice with the same generator and
 * budget (iterations, 5 critic steps each, minibatch 256):
 * <ul>
 *   <li><b>certified critic</b>: StructNet's 1-Lipschitz critic ({@link Wasserstein1#critic}: width 64, 2
 *       gradient-flow blocks), Adam 1e-3;</li>
 *   <li><b>weight clipping</b>: the classic WGAN of Arjovsky et al. 2017: an unconstrained ReLU critic (128-128-128)
 *       with weights clipped to [−0.01, 0.01], RMSProp 5e-5.</li>
 * </ul>
 * The generator (noise 2 → 128-128-128 ReLU → 2) and its optimiser (RMSProp 5e-5) are the same in both. At every report
 * the exact W₁ between 1,000 generated points (fixed noise) and 1,000 real points (optimal assignment, {@link
 * OptimalAssignment}) and the critic's certified lower bound of W₁; {@code wgan-8g-w1.png} plots both, {@code
 * wgan-8g-samples.png} shows the generated points over training (a histogram per report).
 * <p>Usage: {@code EightGaussiansWgan [--quick] [--out DIR]}.
 */
public final class EightGaussiansWgan {

    private static final int NOISE = 2;
    private static final int POINTS = 1000;

    private EightGaussiansWgan() {
    }

    static MultiLayerNetwork generator(IUpdater updater) {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .seed(5).updater(updater).list();
        for (int i = 0; i < 3; i++) {
            list.layer(new DenseLayer.Builder().nOut(128).activation(Activation.RELU).build());
        }
        list.layer(new DenseLayer.Builder().nOut(2).activation(Activation.IDENTITY).build());
        MultiLayerNetwork net = new MultiLayerNetwork(list.setInputType(InputType.feedForward(NOISE)).build());
        net.init();
        return net;
    }

    /** The classic WGAN critic: ReLU layers with no constraint but the clipping the training loop applies. */
    static MultiLayerNetwork clippedCritic(int dimension, int[] widths, long seed) {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .seed(seed).updater(new RmsProp(5e-5)).list();
        for (int w : widths) {
            list.layer(new DenseLayer.Builder().nOut(w).activation(Activation.RELU).build());
        }
        list.layer(new DenseLayer.Builder().nOut(1).activation(Activation.IDENTITY).build())
                .layer(new LossLayer.Builder(KantorovichRubinstein.plain()).activation(Activation.IDENTITY).build());
        MultiLayerNetwork net = new MultiLayerNetwork(list.setInputType(InputType.feedForward(dimension)).build());
        net.init();
        return net;
    }

    public static List<WganComparison.Run> run(boolean quick) {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        int iterations = quick ? 40 : 2000;
        Wgan.Settings settings = new Wgan.Settings(iterations, 5, 256, NOISE, quick ? 20 : 200, null);
        INDArray reference = ToyDensity.EIGHT_GAUSSIANS.sample(POINTS, new Random(1));
        Random random = new Random(2);
        List<WganComparison.Run> runs = new ArrayList<>();
        runs.add(WganComparison.run("certified critic", generator(new RmsProp(5e-5)),
                Wasserstein1.critic(2, 64, 2, 1e-3, 3), n -> ToyDensity.EIGHT_GAUSSIANS.sample(n, random), settings,
                POINTS, x -> OptimalAssignment.wasserstein1(x, reference).meanCost()));
        runs.add(WganComparison.run("weight clipping", generator(new RmsProp(5e-5)),
                clippedCritic(2, new int[]{128, 128, 128}, 3), n -> ToyDensity.EIGHT_GAUSSIANS.sample(n, random),
                settings.withWeightClip(0.01), POINTS, x -> OptimalAssignment.wasserstein1(x, reference).meanCost()));
        return runs;
    }

    /** Exact W₁ between two independent real samples of 1,000 points: the floor of the measure. */
    public static double samplingFloor() {
        return OptimalAssignment.wasserstein1(ToyDensity.EIGHT_GAUSSIANS.sample(POINTS, new Random(1)),
                ToyDensity.EIGHT_GAUSSIANS.sample(POINTS, new Random(3))).meanCost();
    }

    /** The generated points at up to five reports per run, after a panel of real points. */
    public static void writeSamples(List<WganComparison.Run> runs, File png) throws IOException {
        double extent = ToyDensity.EIGHT_GAUSSIANS.extent();
        List<List<DensityPanels.Panel>> rows = new ArrayList<>();
        for (WganComparison.Run r : runs) {
            List<DensityPanels.Panel> row = new ArrayList<>();
            row.add(new DensityPanels.Panel("real points", DensityPanels.histogram(
                    ToyDensity.EIGHT_GAUSSIANS.sample(POINTS, new Random(1)), extent, 48)));
            for (WganComparison.Snapshot s : r.spread()) {
                row.add(new DensityPanels.Panel(String.format(Locale.ROOT, "%s, it %d: W1 %.3f", r.name(),
                        s.iteration(), s.measure()), DensityPanels.histogram(s.samples(), extent, 48)));
            }
            rows.add(row);
        }
        DensityPanels.write(png, rows);
    }

    public static void main(String[] args) throws IOException {
        Charts.ExampleArgs a = Charts.parse(args, "output/wasserstein", "EightGaussiansWgan [--quick] [--out DIR]");
        List<WganComparison.Run> runs = run(a.quick());
        System.out.print(WganComparison.table("exact W1", runs));
        System.out.printf(Locale.ROOT, "exact W1 between two real samples of %d points: %.4f%n", POINTS,
                samplingFloor());
        WganComparison.writeCurves("WGAN on 8 Gaussians", "exact W1 (1000 vs 1000)", runs,
                new File(a.out(), "wgan-8g-w1.png"));
        writeSamples(runs, new File(a.out(), "wgan-8g-samples.png"));
    }
}
