package io.github.structnet.examples.continuous;

import io.github.structnet.examples.common.Charts;
import io.github.structnet.ode.ButcherTableau;
import io.github.structnet.ode.NeuralOdeLayer;
import io.github.structnet.ode.NeuralOdeVertex;
import io.github.structnet.ode.OdeSolver;
import io.github.structnet.ode.StepControl;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.knowm.xchart.XYChart;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.io.IOException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * An irregularly sampled damped oscillator, x″ + 0.2 x′ + x = 0 with state (x, x′), each series observed with noise
 * (σ = 0.02) at its own 20–50 random times in [0, 10]. A {@link NeuralOdeVertex} (the state at each series' own
 * times, masked to the series' length) and an LSTM of similar size (DL4J 1.0.0-M2.1 has no GRU layer; the LSTM reads
 * x₀, tₖ and tₖ − tₖ₋₁ at every step) learn to predict the states at the observation times from the first
 * observation, with the same curriculum (observations up to t = 2 at first, growing to all of [0, 10] by half-way:
 * fitting a whole oscillating trajectory from the start is a hard optimisation problem). Both then predict held-out
 * series on a regular grid between the observations (interpolation, t ≤ 10)
 * and beyond them (extrapolation, 10 &lt; t ≤ 15). Writes {@code oscillator-prediction.png}.
 * <p>Usage: {@code IrregularOscillator [--quick] [--out DIR]}.
 */
public final class IrregularOscillator {

    static final int MAX_OBSERVATIONS = 50;

    /** Sizes and schedule. */
    public record Settings(int series, int iterations, int batch, long seed) {
        public static Settings full() {
            return new Settings(256, 600, 32, 5);
        }

        public static Settings quick() {
            return new Settings(64, 400, 16, 5);
        }
    }

    /** One model's figures. */
    public record ModelResult(String name, long parameters, double interpolation, double extrapolation,
                              double seconds, double[] predicted) {
    }

    public record Result(Settings settings, double[] grid, double[] truth, ModelResult ode, ModelResult lstm) {
        public String table() {
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-12s %8s %22s %22s %10s%n", "model",
                    "params", "interpolation MSE", "extrapolation MSE", "train s"));
            for (ModelResult m : new ModelResult[]{ode, lstm}) {
                sb.append(String.format(Locale.ROOT, "%-12s %8d %22.5f %22.5f %10.1f%n", m.name(), m.parameters(),
                        m.interpolation(), m.extrapolation(), m.seconds()));
            }
            return sb.toString();
        }
    }

    /** Observations: initial states (noisy first observation) [n, 2], times [n, T], values [n, 2, T], mask [n, T]. */
    record Data(INDArray starts, INDArray times, INDArray values, INDArray mask) {
    }

    private IrregularOscillator() {
    }

    static void oscillator(double t, double[] x, double[] out) {
        for (int i = 0; i < x.length; i += 2) {
            out[i] = x[i + 1];
            out[i + 1] = -x[i] - 0.2 * x[i + 1];
        }
    }

    static double[] trueStates(double[] start, double[] times) {
        double[] all = new double[times.length + 1];
        all[0] = 0;
        System.arraycopy(times, 0, all, 1, times.length);
        double[][] states = new OdeSolver(ButcherTableau.DORMAND_PRINCE, StepControl.defaults()
                .withTolerances(1e-10, 1e-12), "oscillator data").solve(IrregularOscillator::oscillator, start, all,
                OdeSolver.NO_TAPE).outputs();
        double[] out = new double[2 * times.length];
        for (int k = 0; k < times.length; k++) {
            out[2 * k] = states[k + 1][0];
            out[2 * k + 1] = states[k + 1][1];
        }
        return out;
    }

    static double[] randomStart(Random random) {
        double radius = 0.5 + random.nextDouble();
        double angle = 2 * Math.PI * random.nextDouble();
        return new double[]{radius * Math.cos(angle), radius * Math.sin(angle)};
    }

    /** Series with 20–50 sorted uniform observation times in (0, 10], padded to 50 and masked. */
    static Data observations(int n, Random random) {
        double[][] starts = new double[n][];
        double[][] times = new double[n][MAX_OBSERVATIONS];
        double[] values = new double[n * 2 * MAX_OBSERVATIONS];
        double[][] mask = new double[n][MAX_OBSERVATIONS];
        for (int i = 0; i < n; i++) {
            double[] start = randomStart(random);
            starts[i] = new double[]{start[0] + 0.02 * random.nextGaussian(), start[1] + 0.02 * random.nextGaussian()};
            int count = 20 + random.nextInt(31);
            double[] t = new double[count];
            for (int k = 0; k < count; k++) {
                t[k] = 10 * (1 - random.nextDouble());
            }
            Arrays.sort(t);
            double[] states = trueStates(start, t);
            for (int k = 0; k < MAX_OBSERVATIONS; k++) {
                boolean valid = k < count;
                times[i][k] = valid ? t[k] : 10 + k; // padding: any increasing values, masked out
                mask[i][k] = valid ? 1 : 0;
                for (int c = 0; c < 2; c++) {
                    values[(i * 2 + c) * MAX_OBSERVATIONS + k] = valid
                            ? states[2 * k + c] + 0.02 * random.nextGaussian() : 0;
                }
            }
        }
        return new Data(Nd4j.createFromArray(starts), Nd4j.createFromArray(times),
                Nd4j.createFromArray(values).reshape(n, 2, MAX_OBSERVATIONS), Nd4j.createFromArray(mask));
    }

    public static ComputationGraph odeModel(long seed) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).seed(seed)
                .updater(new Adam(1e-2)).graphBuilder()
                .addInputs(NeuralOdeVertex.STATE_INPUT, NeuralOdeVertex.TIMES_INPUT)
                .addVertex("ode", new NeuralOdeVertex.Builder().ode(new NeuralOdeLayer.Builder().nIn(2).hidden(32)
                        .tolerances(1e-5, 1e-7).build()).build(),
                        NeuralOdeVertex.STATE_INPUT,
                        NeuralOdeVertex.TIMES_INPUT)
                // a parameterised output layer: DL4J M2.1's ComputationGraph.fit skips graphs whose layers have none
                .addLayer("out", new RnnOutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(2)
                        .activation(Activation.IDENTITY).build(), "ode")
                .setOutputs("out")
                .setInputTypes(InputType.feedForward(2), InputType.feedForward(MAX_OBSERVATIONS)).build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        return net;
    }

    public static MultiLayerNetwork lstmModel(long seed) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).seed(seed)
                .updater(new Adam(1e-2)).list()
                .layer(new LSTM.Builder().nOut(10).activation(Activation.TANH).build())
                .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(2)
                        .activation(Activation.IDENTITY).build())
                .setInputType(InputType.recurrent(4)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /** The LSTM's input at step k: (x₀, v₀, tₖ, tₖ − tₖ₋₁). */
    static INDArray lstmInput(INDArray starts, INDArray times) {
        int n = (int) times.size(0);
        int count = (int) times.size(1);
        INDArray in = Nd4j.zeros(DataType.DOUBLE, n, 4, count);
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < count; k++) {
                double t = times.getDouble(i, k);
                in.putScalar(new int[]{i, 0, k}, starts.getDouble(i, 0));
                in.putScalar(new int[]{i, 1, k}, starts.getDouble(i, 1));
                in.putScalar(new int[]{i, 2, k}, t / 10);
                in.putScalar(new int[]{i, 3, k}, (t - (k == 0 ? 0 : times.getDouble(i, k - 1))));
            }
        }
        return in;
    }

    public static Result run(Settings s) {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        Random random = new Random(s.seed());
        Data train = observations(s.series(), random);
        ComputationGraph ode = odeModel(s.seed());
        MultiLayerNetwork lstm = lstmModel(s.seed());
        INDArray lstmIn = lstmInput(train.starts(), train.times());
        long odeNanos = 0;
        long lstmNanos = 0;
        for (int it = 1; it <= s.iterations(); it++) {
            int[] pick = random.ints(s.batch(), 0, s.series()).toArray();
            INDArray starts = rows(train.starts(), pick);
            INDArray times = rows(train.times(), pick);
            INDArray values = rows(train.values(), pick);
            // curriculum, the same for both models: observations up to t = 2 at first, all of [0, 10] from half-way
            double horizon = 2 + 8 * Math.min(1.0, 2.0 * it / s.iterations());
            INDArray mask = rows(train.mask(), pick).muli(times.lte(horizon).castTo(DataType.DOUBLE));
            long t0 = System.nanoTime();
            ode.fit(new MultiDataSet(new INDArray[]{starts, times}, new INDArray[]{values},
                    new INDArray[]{null, mask}, new INDArray[]{mask}));
            long t1 = System.nanoTime();
            lstm.fit(new org.nd4j.linalg.dataset.DataSet(rows(lstmIn, pick), values, mask, mask));
            long t2 = System.nanoTime();
            odeNanos += t1 - t0;
            lstmNanos += t2 - t1;
            if (it % Math.max(1, s.iterations() / 5) == 0) {
                System.out.printf(Locale.ROOT, "iteration %d: neural ODE loss %.4f, LSTM loss %.4f%n", it, ode.score(),
                        lstm.score());
            }
        }
        // held-out series on a regular grid: 50 times in (0, 10] and 25 in (10, 15]
        int tests = 32;
        double[] grid = new double[75];
        for (int k = 0; k < grid.length; k++) {
            grid[k] = k < 50 ? 10.0 * (k + 1) / 50 : 10 + 5.0 * (k - 49) / 25;
        }
        double[][] starts = new double[tests][];
        double[][] times = new double[tests][];
        double[] truth = new double[tests * 2 * grid.length];
        for (int i = 0; i < tests; i++) {
            starts[i] = randomStart(random);
            times[i] = grid.clone();
            double[] states = trueStates(starts[i], grid);
            for (int k = 0; k < grid.length; k++) {
                for (int c = 0; c < 2; c++) {
                    truth[(i * 2 + c) * grid.length + k] = states[2 * k + c];
                }
            }
        }
        INDArray testStarts = Nd4j.createFromArray(starts);
        INDArray testTimes = Nd4j.createFromArray(times);
        ode.clearLayerMaskArrays(); // the last training batch's masks stay on the vertex otherwise
        INDArray odeOut = ode.outputSingle(false, testStarts, testTimes);
        INDArray lstmOut = lstm.output(lstmInput(testStarts, testTimes));
        double[] odePred = odeOut.dup('c').data().asDouble();
        double[] lstmPred = lstmOut.dup('c').data().asDouble();
        ModelResult odeResult = score("neural ODE", ode.numParams() + ode.getVertex("ode").numParams(), odePred,
                truth, tests, grid.length, odeNanos / 1e9);
        ModelResult lstmResult = score("LSTM", lstm.numParams(), lstmPred, truth, tests, grid.length,
                lstmNanos / 1e9);
        return new Result(s, grid, Arrays.copyOf(truth, grid.length), odeResult, lstmResult);
    }

    private static ModelResult score(String name, long parameters, double[] predicted, double[] truth, int tests,
                                     int count, double seconds) {
        double inside = 0;
        double outside = 0;
        for (int i = 0; i < tests; i++) {
            for (int c = 0; c < 2; c++) {
                for (int k = 0; k < count; k++) {
                    int index = (i * 2 + c) * count + k;
                    double e = predicted[index] - truth[index];
                    if (k < 50) {
                        inside += e * e;
                    } else {
                        outside += e * e;
                    }
                }
            }
        }
        return new ModelResult(name, parameters, inside / (tests * 2.0 * 50), outside / (tests * 2.0 * (count - 50)),
                seconds, Arrays.copyOf(predicted, count));
    }

    private static INDArray rows(INDArray a, int[] pick) {
        INDArray[] picked = new INDArray[pick.length];
        for (int i = 0; i < pick.length; i++) {
            picked[i] = a.slice(pick[i]).reshape(prepend(a.shape()));
        }
        return Nd4j.concat(0, picked);
    }

    private static long[] prepend(long[] shape) {
        long[] s = shape.clone();
        s[0] = 1;
        return s;
    }

    public static void writePlots(Result r, File out) throws IOException {
        XYChart chart = Charts.chart("Damped oscillator, held-out series: x(t); trained on t ≤ 10", "t", "x");
        Charts.line(chart, "true", r.grid(), r.truth());
        Charts.line(chart, "neural ODE", r.grid(), r.ode().predicted());
        Charts.line(chart, "LSTM", r.grid(), r.lstm().predicted());
        Charts.save(chart, new File(out, "oscillator-prediction.png"));
    }

    public static void main(String[] args) throws IOException {
        Charts.ExampleArgs a = Charts.parse(args, "output/oscillator", "IrregularOscillator [--quick] [--out DIR]");
        Result r = run(a.quick() ? Settings.quick() : Settings.full());
        System.out.print(r.table());
        writePlots(r, a.out());
    }
}
