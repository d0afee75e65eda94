package io.github.structnet.examples.continuous;

import io.github.structnet.examples.common.Charts;
import io.github.structnet.ode.ButcherTableau;
import io.github.structnet.ode.GradientMethod;
import io.github.structnet.ode.NeuralOdeLayer;
import io.github.structnet.ode.OdeSolver;
import io.github.structnet.ode.RungeKuttaMethod;
import io.github.structnet.ode.StepControl;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.RnnLossLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.knowm.xchart.XYChart;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.RmsProp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * The neural-ODE spiral (Chen et al. 2018's demonstration): the data are 1000 points on [0, 25] of
 * dy/dt = (y³) A, A = [[−0.1, 2], [−2, −0.1]], y(0) = (2, 0). A {@link NeuralOdeLayer} with
 * F_θ(y) = Linear(50→2)(tanh(Linear(2→50)(y³))) learns it from random windows of 10 consecutive points (batch 20,
 * RMSProp 1e-3, mean absolute error), solved by Dormand–Prince 5(4) with rtol 1e-7 and atol 1e-9, trained by
 * backpropagation through the solver or by the adjoint method. Every {@code every} iterations the whole trajectory is
 * predicted from y(0) and its mean absolute error reported. Writes {@code spiral-trajectory.png} and
 * {@code spiral-error.png}.
 * <p>Usage: {@code SpiralOde [--quick] [--seed N] [--out DIR]} (quick: 200 iterations; seed 1 by default).
 */
public final class SpiralOde {

    /** Data and schedule. */
    public record Settings(int points, double end, int window, int batch, int iterations, int every, long seed) {
        public static Settings full() {
            return new Settings(1000, 25, 10, 20, 2000, 250, 1);
        }

        public static Settings quick() {
            return new Settings(1000, 25, 10, 20, 200, 100, 1);
        }

        public Settings withSeed(long newSeed) {
            return new Settings(points, end, window, batch, iterations, every, newSeed);
        }
    }

    /** One training run: errors at the evaluation iterations and the training time (evaluations excluded). */
    public record Run(GradientMethod gradient, int[] iterations, double[] errors, double trainingSeconds,
                      double[][] prediction) {
        public double finalError() {
            return errors[errors.length - 1];
        }
    }

    /** The true trajectory and the runs. */
    public record Result(Settings settings, double[] times, double[][] truth, List<Run> runs) {
        public String table() {
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-12s", "iteration"));
            for (Run r : runs) {
                sb.append(String.format(Locale.ROOT, " %16s", r.gradient().name().toLowerCase(Locale.ROOT)));
            }
            sb.append('\n');
            for (int e = 0; e < runs.get(0).iterations().length; e++) {
                sb.append(String.format(Locale.ROOT, "%-12d", runs.get(0).iterations()[e]));
                for (Run r : runs) {
                    sb.append(String.format(Locale.ROOT, " %16.4f", r.errors()[e]));
                }
                sb.append('\n');
            }
            sb.append(String.format(Locale.ROOT, "%-12s", "train time"));
            for (Run r : runs) {
                sb.append(String.format(Locale.ROOT, " %14.1f s", r.trainingSeconds()));
            }
            return sb.append('\n').toString();
        }
    }

    /** A = [[−0.1, 2], [−2, −0.1]]; the field is the row vector y³ times A. */
    static void trueField(double t, double[] y, double[] out) {
        for (int i = 0; i < y.length; i += 2) {
            double a = y[i] * y[i] * y[i];
            double b = y[i + 1] * y[i + 1] * y[i + 1];
            out[i] = -0.1 * a - 2 * b;
            out[i + 1] = 2 * a - 0.1 * b;
        }
    }

    private SpiralOde() {
    }

    /** The 1000 true points, solved with Dormand–Prince at rtol 1e-10. */
    public static double[][] truth(double[] times) {
        OdeSolver solver = new OdeSolver(ButcherTableau.DORMAND_PRINCE,
                StepControl.defaults().withTolerances(1e-10, 1e-12), "spiral data");
        return solver.solve(SpiralOde::trueField, new double[]{2, 0}, times, OdeSolver.NO_TAPE).outputs();
    }

    /** The network: the neural-ODE layer returning the states at {@code times}, then a mean-absolute-error loss. */
    public static MultiLayerNetwork network(double[] times, GradientMethod gradient, long seed) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).seed(seed)
                .updater(new RmsProp(1e-3, 0.99, 1e-8)).weightInit(new NormalDistribution(0, 0.1)).list()
                .layer(new NeuralOdeLayer.Builder().name("ode").hidden(50).activation(Activation.TANH)
                        .inputActivation(Activation.CUBE).times(times).output(NeuralOdeLayer.Output.TRAJECTORY)
                        .method(RungeKuttaMethod.DORMAND_PRINCE).tolerances(1e-7, 1e-9).gradientMethod(gradient)
                        .build())
                .layer(new RnnLossLayer.Builder(LossFunctions.LossFunction.MEAN_ABSOLUTE_ERROR)
                        .activation(Activation.IDENTITY).build())
                .setInputType(InputType.feedForward(2)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /** Trains with both gradient methods. */
    public static Result run(Settings s) {
        return run(s, GradientMethod.values());
    }

    public static Result run(Settings s, GradientMethod... gradients) {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        double[] times = new double[s.points()];
        for (int i = 0; i < times.length; i++) {
            times[i] = s.end() * i / (s.points() - 1);
        }
        double[][] truth = truth(times);
        List<Run> runs = new ArrayList<>();
        for (GradientMethod gradient : gradients) {
            runs.add(train(s, times, truth, gradient));
        }
        return new Result(s, times, truth, runs);
    }

    private static Run train(Settings s, double[] times, double[][] truth, GradientMethod gradient) {
        MultiLayerNetwork net = network(Arrays.copyOf(times, s.window()), gradient, s.seed());
        MultiLayerNetwork whole = network(times, gradient, s.seed());
        Random random = new Random(s.seed());
        int evaluations = s.iterations() / s.every();
        int[] at = new int[evaluations];
        double[] errors = new double[evaluations];
        double[][] prediction = null;
        long trainingNanos = 0;
        INDArray start = Nd4j.createFromArray(new double[][]{{2, 0}});
        for (int it = 1; it <= s.iterations(); it++) {
            INDArray[] batch = window(s, truth, random);
            long t0 = System.nanoTime();
            net.fit(batch[0], batch[1]);
            trainingNanos += System.nanoTime() - t0;
            if (it % s.every() == 0) {
                whole.setParams(net.getLayer(0).params().reshape(1, -1));
                INDArray predicted = whole.output(start);
                prediction = new double[times.length][2];
                double error = 0;
                for (int j = 0; j < times.length; j++) {
                    for (int c = 0; c < 2; c++) {
                        prediction[j][c] = predicted.getDouble(0, c, j);
                        error += Math.abs(prediction[j][c] - truth[j][c]);
                    }
                }
                int e = it / s.every() - 1;
                at[e] = it;
                errors[e] = error / (2 * times.length);
                System.out.printf(Locale.ROOT, "%s: iteration %d, trajectory MAE %.4f, training %.1f s%n",
                        gradient, it, errors[e], trainingNanos / 1e9);
            }
        }
        return new Run(gradient, at, errors, trainingNanos / 1e9, prediction);
    }

    /** A minibatch of windows: starts [batch, 2] and the next {@code window} states [batch, 2, window]. */
    static INDArray[] window(Settings s, double[][] truth, Random random) {
        List<Integer> candidates = new ArrayList<>();
        for (int i = 0; i < s.points() - s.window(); i++) {
            candidates.add(i);
        }
        java.util.Collections.shuffle(candidates, random);
        double[][] starts = new double[s.batch()][];
        double[] labels = new double[s.batch() * 2 * s.window()];
        for (int b = 0; b < s.batch(); b++) {
            int first = candidates.get(b);
            starts[b] = truth[first].clone();
            for (int c = 0; c < 2; c++) {
                for (int j = 0; j < s.window(); j++) {
                    labels[(b * 2 + c) * s.window() + j] = truth[first + j][c];
                }
            }
        }
        return new INDArray[]{Nd4j.createFromArray(starts),
            Nd4j.createFromArray(labels).reshape(s.batch(), 2, s.window())};
    }

    public static void writePlots(Result r, File out) throws IOException {
        XYChart phase = Charts.chart("Spiral: true and learned trajectories from y(0) = (2, 0)", "y₁", "y₂");
        Charts.line(phase, "true", Charts.column(r.truth(), 0), Charts.column(r.truth(), 1));
        for (Run run : r.runs()) {
            Charts.line(phase, run.gradient().name().toLowerCase(Locale.ROOT), Charts.column(run.prediction(), 0),
                    Charts.column(run.prediction(), 1));
        }
        Charts.save(phase, new File(out, "spiral-trajectory.png"));
        XYChart error = Charts.chart("Spiral: mean absolute error of the whole trajectory", "iteration", "MAE");
        for (Run run : r.runs()) {
            double[] x = Arrays.stream(run.iterations()).asDoubleStream().toArray();
            Charts.line(error, run.gradient().name().toLowerCase(Locale.ROOT), x, run.errors());
        }
        Charts.save(error, new File(out, "spiral-error.png"));
    }

    public static void main(String[] args) throws IOException {
        String usage = "SpiralOde [--quick] [--seed N] [--out DIR]";
        long seed = 1;
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--seed") && i + 1 < args.length) {
                seed = Long.parseLong(args[++i]);
            } else {
                rest.add(args[i]);
            }
        }
        Charts.ExampleArgs a = Charts.parse(rest.toArray(new String[0]), "output/spiral", usage);
        Result r = run((a.quick() ? Settings.quick() : Settings.full()).withSeed(seed));
        System.out.print(r.table());
        writePlots(r, a.out());
    }
}
