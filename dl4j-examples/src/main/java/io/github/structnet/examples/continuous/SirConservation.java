package io.github.structnet.examples.continuous;

import io.github.structnet.examples.common.Charts;
import io.github.structnet.ode.ButcherTableau;
import io.github.structnet.ode.Invariant;
import io.github.structnet.ode.NeuralOdeLayer;
import io.github.structnet.ode.OdeSolver;
import io.github.structnet.ode.StepControl;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.RnnLossLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.knowm.xchart.XYChart;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Learning an epidemic (SIR) model from noisy trajectories, with and without mass conservation:
 * S′ = −βSI, I′ = βSI − γI, R′ = γI (β = 0.5, γ = 0.1, S + I + R = 1), observed at t = 0, 1, …, 20 with Gaussian
 * noise (σ = 0.005) from initial infections I₀ ∈ [0.01, 0.2]. Two neural ODEs of the same size learn it: one with the
 * mass-conserving field ({@link Invariant#MASS}: the network outputs the rates of the flows between compartments) and
 * one unconstrained. Both are rolled out to t = 200 (ten times the training window); the table gives the error on
 * held-out trajectories over the training window and over the rollout, and the largest |S + I + R − 1|. Writes
 * {@code sir-trajectories.png} and {@code sir-mass.png}.
 * <p>Usage: {@code SirConservation [--quick] [--out DIR]}.
 */
public final class SirConservation {

    static final double BETA = 0.5;
    static final double GAMMA = 0.1;

    /** Sizes and schedule. */
    public record Settings(int trajectories, int iterations, int batch, double horizon, double rollout, long seed) {
        public static Settings full() {
            return new Settings(64, 1500, 16, 20, 200, 3);
        }

        public static Settings quick() {
            return new Settings(32, 250, 16, 20, 200, 3);
        }
    }

    /** One model's figures. */
    public record ModelResult(String name, double windowError, double rolloutError, double massError,
                              double[] rolloutTimes, double[][] rollout, double[] mass) {
    }

    public record Result(Settings settings, double[][] truth, List<ModelResult> models) {
        public String table() {
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-16s %18s %18s %18s%n", "model",
                    "RMSE t ≤ 20", "RMSE t ≤ 200", "max |S+I+R − 1|"));
            for (ModelResult m : models) {
                sb.append(String.format(Locale.ROOT, "%-16s %18.4f %18.4f %18.2e%n", m.name(), m.windowError(),
                        m.rolloutError(), m.massError()));
            }
            return sb.toString();
        }

        public ModelResult get(String name) {
            return models.stream().filter(m -> m.name().equals(name)).findFirst().orElseThrow();
        }
    }

    private SirConservation() {
    }

    static void sir(double t, double[] x, double[] out) {
        for (int i = 0; i < x.length; i += 3) {
            double infection = BETA * x[i] * x[i + 1];
            double recovery = GAMMA * x[i + 1];
            out[i] = -infection;
            out[i + 1] = infection - recovery;
            out[i + 2] = recovery;
        }
    }

    static double[] grid(double end, int points) {
        double[] t = new double[points];
        for (int i = 0; i < points; i++) {
            t[i] = end * i / (points - 1);
        }
        return t;
    }

    /** Exact (to 1e-11) trajectories from the given initial states, [times][batch·3]. */
    static double[][] solveTrue(double[] starts, double[] times) {
        return new OdeSolver(ButcherTableau.DORMAND_PRINCE, StepControl.defaults().withTolerances(1e-11, 1e-13),
                "SIR data").solve(SirConservation::sir, starts, times, OdeSolver.NO_TAPE).outputs();
    }

    static double[] initialStates(int count, Random random) {
        double[] x = new double[3 * count];
        for (int i = 0; i < count; i++) {
            double infected = 0.01 + 0.19 * random.nextDouble();
            x[3 * i] = 1 - infected;
            x[3 * i + 1] = infected;
        }
        return x;
    }

    public static MultiLayerNetwork network(Invariant invariant, double[] times, long seed) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).seed(seed)
                .updater(new Adam(1e-2)).list()
                .layer(new NeuralOdeLayer.Builder().hidden(16).activation(Activation.TANH).invariant(invariant)
                        .times(times).output(NeuralOdeLayer.Output.TRAJECTORY).tolerances(1e-6, 1e-8).build())
                .layer(new RnnLossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY).build())
                .setInputType(InputType.feedForward(3)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    public static Result run(Settings s) {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        Random random = new Random(s.seed());
        double[] window = grid(s.horizon(), (int) s.horizon() + 1);
        double[] longTimes = grid(s.rollout(), (int) s.rollout() + 1);
        double[] starts = initialStates(s.trajectories(), random);
        double[][] observed = solveTrue(starts, window);
        for (double[] row : observed) {
            for (int i = 0; i < row.length; i++) {
                row[i] += 0.005 * random.nextGaussian();
            }
        }
        double[] testStarts = initialStates(8, random);
        double[][] testTruth = solveTrue(testStarts, longTimes);
        List<ModelResult> models = new ArrayList<>();
        for (Invariant invariant : new Invariant[]{Invariant.MASS, Invariant.NONE}) {
            String name = invariant == Invariant.MASS ? "mass-conserving" : "unconstrained";
            MultiLayerNetwork net = network(invariant, window, s.seed());
            for (int it = 1; it <= s.iterations(); it++) {
                int[] pick = random.ints(s.batch(), 0, s.trajectories()).toArray();
                net.fit(batchStarts(starts, pick), batchLabels(observed, pick));
                if (it % Math.max(1, s.iterations() / 5) == 0) {
                    System.out.printf(Locale.ROOT, "%s: iteration %d, loss %.3e%n", name, it, net.score());
                }
            }
            MultiLayerNetwork longNet = network(invariant, longTimes, s.seed());
            longNet.setParams(net.params());
            INDArray predicted = longNet.output(Nd4j.createFromArray(testStarts).reshape(8, 3));
            models.add(evaluate(name, predicted, testTruth, longTimes, (int) s.horizon()));
        }
        return new Result(s, testTruth, models);
    }

    private static ModelResult evaluate(String name, INDArray predicted, double[][] truth, double[] times,
                                        int windowEnd) {
        int count = (int) predicted.size(0);
        double window = 0;
        double all = 0;
        double massError = 0;
        double[] mass = new double[times.length];
        double[][] first = new double[times.length][3];
        for (int j = 0; j < times.length; j++) {
            for (int b = 0; b < count; b++) {
                double total = 0;
                for (int c = 0; c < 3; c++) {
                    double v = predicted.getDouble(b, c, j);
                    double e = v - truth[j][3 * b + c];
                    total += v;
                    all += e * e;
                    window += j <= windowEnd ? e * e : 0;
                    if (b == 0) {
                        first[j][c] = v;
                    }
                }
                massError = Math.max(massError, Math.abs(total - 1));
                if (b == 0) {
                    mass[j] = total;
                }
            }
        }
        return new ModelResult(name, Math.sqrt(window / (count * 3.0 * (windowEnd + 1))),
                Math.sqrt(all / (count * 3.0 * times.length)), massError, times, first, mass);
    }

    private static INDArray batchStarts(double[] starts, int[] pick) {
        double[][] rows = new double[pick.length][];
        for (int i = 0; i < pick.length; i++) {
            rows[i] = new double[]{starts[3 * pick[i]], starts[3 * pick[i] + 1], starts[3 * pick[i] + 2]};
        }
        return Nd4j.createFromArray(rows);
    }

    private static INDArray batchLabels(double[][] observed, int[] pick) {
        int times = observed.length;
        double[] labels = new double[pick.length * 3 * times];
        for (int i = 0; i < pick.length; i++) {
            for (int c = 0; c < 3; c++) {
                for (int j = 0; j < times; j++) {
                    labels[(i * 3 + c) * times + j] = observed[j][3 * pick[i] + c];
                }
            }
        }
        return Nd4j.createFromArray(labels).reshape(pick.length, 3, times);
    }

    public static void writePlots(Result r, File out) throws IOException {
        double[] times = r.models().get(0).rolloutTimes();
        XYChart trajectories = Charts.chart("SIR, first held-out series: infected fraction I(t), trained on t ≤ "
                + (int) r.settings().horizon(), "t", "I");
        Charts.line(trajectories, "true", times, Charts.column(r.truth(), 1));
        for (ModelResult m : r.models()) {
            Charts.line(trajectories, m.name(), times, Charts.column(m.rollout(), 1));
        }
        Charts.save(trajectories, new File(out, "sir-trajectories.png"));
        XYChart mass = Charts.chart("SIR: |S + I + R − 1| along the rollout", "t", "|S + I + R − 1|");
        mass.getStyler().setYAxisLogarithmic(true);
        for (ModelResult m : r.models()) {
            double[] e = new double[times.length];
            for (int j = 0; j < times.length; j++) {
                e[j] = Math.max(Math.abs(m.mass()[j] - 1), 1e-17); // log axis
            }
            Charts.line(mass, m.name(), times, e);
        }
        Charts.save(mass, new File(out, "sir-mass.png"));
    }

    public static void main(String[] args) throws IOException {
        Charts.ExampleArgs a = Charts.parse(args, "output/sir", "SirConservation [--quick] [--out DIR]");
        long t0 = System.nanoTime();
        Result r = run(a.quick() ? Settings.quick() : Settings.full());
        System.out.printf(Locale.ROOT, "%n%s(training and rollouts: %.0f s)%n", r.table(),
                (System.nanoTime() - t0) / 1e9);
        writePlots(r, a.out());
    }
}
