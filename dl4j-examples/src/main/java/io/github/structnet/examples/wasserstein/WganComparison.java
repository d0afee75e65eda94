package io.github.structnet.examples.wasserstein;

import io.github.structnet.examples.common.Charts;
import io.github.structnet.wasserstein.Wgan;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.knowm.xchart.XYChart;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.function.ToDoubleFunction;
import java.util.function.UnaryOperator;

/**
 * Runs one WGAN ({@link Wgan}) and keeps, at each report, the critic's figures, a quality measure of fixed-noise
 * samples, and the samples themselves: what the WGAN examples compare between the certified critic and weight
 * clipping.
 */
public final class WganComparison {

    /** The state of a run at one report. */
    public record Snapshot(int iteration, double criticValue, double lipschitzBound, double lowerBound, double measure,
                    INDArray samples, double seconds) {
    }

    /** One run: its name and its snapshots. */
    public record Run(String name, List<Snapshot> snapshots) {
        double[] iterations() {
            return snapshots.stream().mapToDouble(Snapshot::iteration).toArray();
        }

        double[] measures() {
            return snapshots.stream().mapToDouble(Snapshot::measure).toArray();
        }

        double[] lowerBounds() {
            return snapshots.stream().mapToDouble(Snapshot::lowerBound).toArray();
        }

        /** Up to five snapshots spread evenly from the first to the last (all of them when there are fewer). */
        public List<Snapshot> spread() {
            int n = snapshots.size();
            List<Snapshot> chosen = new ArrayList<>();
            for (int k = 0; k < 5 && k < n; k++) {
                chosen.add(snapshots.get(n < 5 ? k : k * (n - 1) / 4));
            }
            return chosen;
        }
    }

    private WganComparison() {
    }

    /** How a run trains: the {@link Wgan#train} call of its generator and critic, given settings and a listener. */
    @FunctionalInterface
    public interface Training {
        void train(Wgan.Settings settings, Consumer<Wgan.Progress> listener);
    }

    /** {@link #run} for a {@code MultiLayerNetwork} generator. */
    public static Run run(String name, MultiLayerNetwork generator, MultiLayerNetwork critic,
            IntFunction<INDArray> real,
                   Wgan.Settings settings, int count, ToDoubleFunction<INDArray> measure) {
        return run(name, z -> generator.output(z, false), (s, l) -> Wgan.train(generator, critic, real, s, l),
                settings, count, measure);
    }

    /** {@link #run} for a {@code ComputationGraph} generator. */
    public static Run run(String name, ComputationGraph generator, MultiLayerNetwork critic, IntFunction<INDArray> real,
                   Wgan.Settings settings, int count, ToDoubleFunction<INDArray> measure) {
        return run(name, z -> generator.outputSingle(false, z), (s, l) -> Wgan.train(generator, critic, real, s, l),
                settings, count, measure);
    }

    /**
     * Trains; at every report draws {@code count} samples from a fixed noise batch (double precision) and applies
     * {@code measure} to them. The snapshot before training is iteration 0.
     */
    public static Run run(String name, UnaryOperator<INDArray> generate, Training training, Wgan.Settings settings,
                   int count, ToDoubleFunction<INDArray> measure) {
        Nd4j.getRandom().setSeed(99);
        INDArray z = Nd4j.randn(DataType.DOUBLE, count, settings.noiseDimension());
        List<Snapshot> snapshots = new ArrayList<>();
        long start = System.nanoTime();
        INDArray first = generate.apply(z);
        snapshots.add(new Snapshot(0, Double.NaN, Double.NaN, Double.NaN, measure.applyAsDouble(first), first, 0));
        training.train(settings, p -> {
            INDArray samples = generate.apply(z);
            Snapshot s = new Snapshot(p.iteration(), p.criticValue(), p.lipschitzBound(), p.lowerBound(),
                    measure.applyAsDouble(samples), samples, (System.nanoTime() - start) / 1e9);
            snapshots.add(s);
            System.out.printf(Locale.ROOT, "  %s, iteration %d: critic KR value %.4f (Lipschitz bound %.4f,"
                            + " certified W1 >= %.4f), measure %.4f (%.0f s)%n", name, s.iteration(), s.criticValue(),
                    s.lipschitzBound(), s.lowerBound(), s.measure(), s.seconds());
        });
        return new Run(name, snapshots);
    }

    /** A table: one row per report, the measure and the certified lower bound of each run. */
    public static String table(String measureName, List<Run> runs) {
        StringBuilder sb = new StringBuilder("| iteration |");
        StringBuilder rule = new StringBuilder("|---|");
        for (Run r : runs) {
            sb.append(' ').append(measureName).append(" (").append(r.name()).append(") | certified W1 lower bound (")
                    .append(r.name()).append(") |");
            rule.append("---|---|");
        }
        sb.append('\n').append(rule).append('\n');
        for (int k = 0; k < runs.get(0).snapshots().size(); k++) {
            sb.append("| ").append(runs.get(0).snapshots().get(k).iteration()).append(" |");
            for (Run r : runs) {
                Snapshot s = r.snapshots().get(k);
                sb.append(String.format(Locale.ROOT, " %.4f | %s |", s.measure(), Double.isNaN(s.lowerBound()) ? "-"
                        : String.format(Locale.ROOT, "%.4f", s.lowerBound())));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** The measure and the certified lower bounds over training, for every run. */
    public static void writeCurves(String title, String measureName, List<Run> runs, File png) throws IOException {
        XYChart chart = Charts.chart(title, "generator iteration", "W1");
        for (Run r : runs) {
            Charts.line(chart, measureName + ", " + r.name(), r.iterations(), r.measures());
            int n = r.snapshots().size() - 1;
            double[] x = new double[n];
            double[] y = new double[n];
            for (int k = 0; k < n; k++) {
                x[k] = r.iterations()[k + 1];
                y[k] = r.lowerBounds()[k + 1];
            }
            Charts.line(chart, "certified lower bound, " + r.name(), x, y);
        }
        Charts.save(chart, png);
    }
}
