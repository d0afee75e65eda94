package io.github.structnet.examples.flows;

import io.github.structnet.cnf.ContinuousNormalizingFlow;
import io.github.structnet.cnf.FlowDensity;
import io.github.structnet.cnf.FlowLikelihood;
import io.github.structnet.examples.common.Charts;
import io.github.structnet.ode.NeuralOdeLayer;
import io.github.structnet.persistence.ModelFiles;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.knowm.xchart.XYChart;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Continuous normalising flows ({@link ContinuousNormalizingFlow}) trained by maximum likelihood on the 2-D toy
 * densities of {@link ToyDensity}: 8 Gaussians, two moons, checkerboard. For each: the held-out negative
 * log-likelihood (NLL, nats) of the flow and, where the density is known, of the true density on the same points
 * (its mean estimates the entropy: the flow can only come down to it), the training time, and panels of the data,
 * the flow's density on a grid, and samples of the flow ({@code cnf-densities.png}); {@code cnf-training.png} plots
 * the training NLL; {@code cnf-<density>.zip} holds each trained flow.
 * <p>Field: dense, hidden widths 64-64-64, tanh, time input, on [0, 1]; Dormand–Prince 5(4) at rtol = atol = 1e-5
 * in training (exact trace: d = 2), 1e-8 for the held-out evaluation; Adam, batch 256.
 * <p>Usage: {@code TwoDimensionalDensities [--quick] [--out DIR] [--iterations N] [--only NAME]}.
 */
public final class TwoDimensionalDensities {

    /** One density's figures. */
    public record Result(ToyDensity density, int iterations, double heldOutNll, double trueNll, double seconds,
                         double[] curve, MultiLayerNetwork model) {
    }

    private static final int BATCH = 256;

    private TwoDimensionalDensities() {
    }

    /** The flow: a CNF layer on a dense tanh field with time input, and the likelihood loss. */
    public static MultiLayerNetwork model(int[] hidden, double learningRate, double tolerance, long seed) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .seed(seed).updater(new Adam(learningRate)).list()
                .layer(new ContinuousNormalizingFlow.Builder().ode(new NeuralOdeLayer.Builder().hidden(hidden)
                        .activation(Activation.TANH).timeInput(true).times(0, 1).tolerances(tolerance, tolerance)
                        .build()).build())
                .layer(new LossLayer.Builder(new FlowLikelihood()).activation(Activation.IDENTITY).build())
                .setInputType(InputType.feedForward(2)).build());
        net.init();
        return net;
    }

    /** Trains a flow on fresh minibatches of {@code density} and evaluates it on {@code heldOut} points. */
    public static Result train(ToyDensity density, int iterations, int heldOut, long seed) {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        Random random = new Random(seed);
        MultiLayerNetwork net = model(new int[]{64, 64, 64}, 3e-3, 1e-5, seed);
        double[] curve = new double[iterations];
        long start = System.nanoTime();
        for (int it = 0; it < iterations; it++) {
            INDArray x = density.sample(BATCH, random);
            net.fit(x, x);
            curve[it] = net.score();
            if ((it + 1) % Math.max(1, iterations / 10) == 0) {
                System.out.printf(Locale.ROOT, "  %s iteration %d/%d: NLL %.3f (%.0f s)%n", density, it + 1,
                        iterations, curve[it], (System.nanoTime() - start) / 1e9);
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        INDArray test = density.sample(heldOut, new Random(seed + 1000));
        double nll = -mean(precise(net).logDensity(test).logDensity());
        double trueNll = Double.NaN;
        if (density.hasKnownDensity()) {
            double sum = 0;
            for (int i = 0; i < heldOut; i++) {
                sum -= density.logDensity(test.getDouble(i, 0), test.getDouble(i, 1));
            }
            trueNll = sum / heldOut;
        }
        return new Result(density, iterations, nll, trueNll, seconds, curve, net);
    }

    /** The trained flow evaluated with a tight solve (rtol = atol = 1e-8). */
    public static FlowDensity precise(MultiLayerNetwork net) {
        ContinuousNormalizingFlow trained = (ContinuousNormalizingFlow) net.getLayer(0).conf().getLayer();
        NeuralOdeLayer ode = trained.getOde();
        ContinuousNormalizingFlow tight = new ContinuousNormalizingFlow.Builder().ode(new NeuralOdeLayer.Builder()
                .nIn(ode.getNIn()).hidden(ode.getHidden()).activation(ode.getActivation()).timeInput(true)
                .times(ode.getTimes()).tolerances(1e-8, 1e-8).build()).build();
        return new FlowDensity(tight, net.getLayer(0).paramTable());
    }

    private static double mean(double[] values) {
        return Arrays.stream(values).average().orElse(Double.NaN);
    }

    public static String table(List<Result> results) {
        StringBuilder sb = new StringBuilder("| density | iterations | held-out NLL (flow) | NLL of the true density"
                + " | gap | training s |\n|---|---|---|---|---|---|\n");
        for (Result r : results) {
            sb.append(String.format(Locale.ROOT, "| %s | %d | %.3f | %s | %s | %.0f |%n", r.density(),
                    r.iterations(), r.heldOutNll(), Double.isNaN(r.trueNll()) ? "unknown"
                            : String.format(Locale.ROOT, "%.3f", r.trueNll()),
                    Double.isNaN(r.trueNll()) ? "-" : String.format(Locale.ROOT, "%.3f",
                            r.heldOutNll() - r.trueNll()), r.seconds()));
        }
        return sb.toString();
    }

    /**
     * Data histogram, the flow's density on a grid, and a histogram of the flow's samples, per density (solved with
     * the training tolerance: a picture, not a figure).
     */
    public static void writePanels(List<Result> results, int samples, File out) throws IOException {
        List<List<DensityPanels.Panel>> rows = new ArrayList<>();
        for (Result r : results) {
            double extent = r.density().extent();
            FlowDensity flow = FlowDensity.of(r.model());
            double[][] centres = DensityPanels.gridCentres(extent);
            double[] logDensity = flow.logDensity(Nd4j.createFromArray(centres)).logDensity();
            double[][] grid = new double[DensityPanels.PANEL][DensityPanels.PANEL];
            for (int i = 0; i < logDensity.length; i++) {
                grid[i / DensityPanels.PANEL][i % DensityPanels.PANEL] = Math.exp(logDensity[i]);
            }
            rows.add(List.of(
                    new DensityPanels.Panel(r.density() + ": data", DensityPanels.histogram(
                            r.density().sample(samples, new Random(3)), extent, 120)),
                    new DensityPanels.Panel("flow density", grid),
                    new DensityPanels.Panel("flow samples", DensityPanels.histogram(
                            flow.sample(samples, 4).data(), extent, 120))));
        }
        DensityPanels.write(new File(out, "cnf-densities.png"), rows);
    }

    public static void writeCurves(List<Result> results, File out) throws IOException {
        XYChart chart = Charts.chart("CNF training: minibatch NLL", "iteration", "NLL (nats)");
        for (Result r : results) {
            Charts.line(chart, r.density().toString(), Charts.times(r.curve().length, 1), r.curve());
        }
        Charts.save(chart, new File(out, "cnf-training.png"));
    }

    public static void main(String[] args) throws IOException {
        List<String> rest = new ArrayList<>(Arrays.asList(args));
        int iterations = option(rest, "--iterations", -1);
        String only = stringOption(rest, "--only");
        Charts.ExampleArgs a = Charts.parse(rest.toArray(new String[0]), "output/flows",
                "TwoDimensionalDensities [--quick] [--out DIR] [--iterations N] [--only NAME]");
        int its = iterations > 0 ? iterations : a.quick() ? 30 : 2000;
        List<Result> results = new ArrayList<>();
        for (ToyDensity density : ToyDensity.values()) {
            if (only == null || density.name().equalsIgnoreCase(only)) {
                results.add(train(density, its, a.quick() ? 500 : 5000, 7));
                System.out.print(table(results.subList(results.size() - 1, results.size())));
            }
        }
        System.out.print(table(results));
        for (Result r : results) {
            File model = new File(a.out(), "cnf-" + r.density().name().toLowerCase(Locale.ROOT) + ".zip");
            ModelFiles.save(r.model(), model, true);
        }
        writeCurves(results, a.out());
        writePanels(results, a.quick() ? 5000 : 20000, a.out());
    }

    private static int option(List<String> args, String name, int fallback) {
        String v = stringOption(args, name);
        return v == null ? fallback : Integer.parseInt(v);
    }

    private static String stringOption(List<String> args, String name) {
        int i = args.indexOf(name);
        if (i < 0) {
            return null;
        }
        if (i + 1 >= args.size()) {
            throw new IllegalArgumentException(name + " needs a value");
        }
        String v = args.get(i + 1);
        args.remove(i + 1);
        args.remove(i);
        return v;
    }
}
