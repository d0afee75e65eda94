package io.github.structnet.examples.quickstart;

import io.github.structnet.backend.Backends;
import io.github.structnet.examples.common.CertifiedAccuracyChart;
import io.github.structnet.examples.common.CertifiedReport;
import io.github.structnet.examples.common.Charts;
import io.github.structnet.examples.common.Training;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.dataset.DataSet;

import java.io.File;
import java.io.IOException;

/**
 * Quick start: a 1-Lipschitz classifier (SpectralDense → GradientFlowDense × L → SpectralDense) on two
 * moons, next to an unconstrained ReLU MLP of the same size. Prints clean and certified accuracy at several
 * ε with each model's certified Lipschitz bound, and writes
 * <ul>
 *   <li>{@code decision-regions.png}: decision regions with the certified-radius map,</li>
 *   <li>{@code certified-accuracy.png}: certified accuracy vs ε,</li>
 *   <li>{@code lipschitz-two-moons.zip}: the trained 1-Lipschitz model (ModelSerializer).</li>
 * </ul>
 * Usage: {@code TwoMoonsQuickStart [--quick] [--out DIR]}; {@code --quick} trains on 300 points for CI.
 */
public final class TwoMoonsQuickStart {

    /** The ε of the printed table. */
    public static final double[] EPSILONS = {0.05, 0.1, 0.2, 0.3};

    /** Sizes and schedule of one run. */
    public record Settings(int trainPoints, int testPoints, int epochs, int width, int blocks, int hidden,
                           double temperature, double noise, long seed) {
        public static Settings quick() {
            return new Settings(300, 300, 60, 16, 3, 32, 16.0, 0.1, 42);
        }

        public static Settings full() {
            return new Settings(2000, 1000, 80, 32, 4, 64, 16.0, 0.1, 42);
        }
    }

    /** The trained models and their reports. */
    public record Result(MultiLayerNetwork lipschitz, MultiLayerNetwork unconstrained, CertifiedReport lipschitzReport,
                         CertifiedReport unconstrainedReport, DataSet train, DataSet test) {
    }

    private TwoMoonsQuickStart() {
    }

    /** Trains both models and evaluates them on held-out points. */
    public static Result run(Settings s) {
        DataSet train = TwoMoons.generate(s.trainPoints(), s.noise(), s.seed());
        DataSet test = TwoMoons.generate(s.testPoints(), s.noise(), s.seed() + 1);
        MultiLayerNetwork lip = QuickStartModels.lipschitz(s.width(), s.blocks(), s.hidden(), s.temperature(), 0.01,
                s.seed());
        MultiLayerNetwork mlp = QuickStartModels.unconstrained(s.width(), s.blocks(), 0.01, s.seed());
        Training.fit(lip, train, s.epochs(), 32, s.seed(), "1-Lipschitz");
        Training.fit(mlp, train, s.epochs(), 32, s.seed(), "MLP");
        CertifiedReport lipReport = CertifiedReport.evaluate("1-Lipschitz (StructNet)", lip,
                QuickStartModels.logitsLayer(lip), test, EPSILONS);
        CertifiedReport mlpReport = CertifiedReport.evaluate("unconstrained MLP", mlp,
                QuickStartModels.logitsLayer(mlp), test, EPSILONS);
        return new Result(lip, mlp, lipReport, mlpReport, train, test);
    }

    /** Writes the two PNGs and the model into {@code out}. */
    public static void writeOutputs(Result r, File out) throws IOException {
        DecisionRegionPlot.write(new File(out, "decision-regions.png"), r.test(), 0.3,
                new String[]{"1-Lipschitz", "MLP"}, r.lipschitz(), r.unconstrained());
        CertifiedAccuracyChart.write(new File(out, "certified-accuracy.png"), 0.5, r.lipschitzReport(),
                r.unconstrainedReport());
        ModelSerializer.writeModel(r.lipschitz(), new File(out, "lipschitz-two-moons.zip"), true);
    }

    public static void main(String[] args) throws IOException {
        Charts.ExampleArgs a = Charts.parse(args, "output/quickstart", "TwoMoonsQuickStart [--quick] [--out DIR]");
        boolean quick = a.quick();
        File out = a.out();
        System.out.println(Backends.requireSupported());
        Settings settings = quick ? Settings.quick() : Settings.full();
        long start = System.nanoTime();
        Result r = run(settings);
        System.out.printf("%nTwo moons, %d training / %d test points, %s run, %.1f s%n", settings.trainPoints(),
                settings.testPoints(), quick ? "quick" : "full", (System.nanoTime() - start) / 1e9);
        System.out.println(CertifiedReport.table(r.lipschitzReport(), r.unconstrainedReport()));
        writeOutputs(r, out);
        System.out.println("Wrote " + new File(out, "decision-regions.png") + ", " + new File(out,
                "certified-accuracy.png")
                + " and " + new File(out, "lipschitz-two-moons.zip"));
    }
}
