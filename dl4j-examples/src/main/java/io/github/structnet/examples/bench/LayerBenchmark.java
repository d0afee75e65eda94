package io.github.structnet.examples.bench;

import io.github.structnet.backend.Backends;
import io.github.structnet.kernels.Gemm;
import io.github.structnet.kernels.OneDnn;
import io.github.structnet.samediff.StructuredParameters;
import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Training-step and inference times of StructNet blocks next to the same arithmetic with DL4J's native layers and
 * ND4J's sgemm (the machine's practical peak), as a Markdown table. Per case: min and median over repeated runs
 * (after warm-up) of one training step (forward + backward + Adam) and of one inference pass with fixed weights
 * (after the pass that computes and caches the certified bounds), the achieved GFLOP/s
 * of the median training step (flops counted from the block formulas), its share of the sgemm rate, the share of the
 * step spent in power iteration, and the peak resident memory; the progress line of each case also gives the 99th
 * percentile of the training steps.
 * <p>Warm-up and repetitions: every case first trains and infers for at least 3 steps and {@code --warmup} seconds
 * (default 2), so that the JIT compiler has compiled the step's Java code before timing starts, then times at least
 * {@code --reps} steps (default 10) and as many more as fit in {@code --seconds} (default 3), so that fast cases get
 * stable medians. The PyTorch side ({@code bench/pytorch_bench.py}) follows the same rules.
 * <p>Usage: {@code LayerBenchmark [--quick] [--reps N] [--warmup SECONDS] [--seconds SECONDS] [--only TEXT]}.
 * Timings are for comparison within one run on one machine: run it on an otherwise idle machine.
 */
public final class LayerBenchmark {

    /** One row of results. */
    public record Row(String name, double trainMin, double trainMedian, double trainP99, double inferMin,
                      double inferMedian, double gflops, double powerShare, double peakMb) {
    }

    private LayerBenchmark() {
    }

    /**
     * ND4J float sgemm GFLOP/s on n×n matrices (median of {@code reps}), through {@code Nd4j.gemm} (BLAS), the
     * fastest of ND4J's routes to a matrix product ({@code INDArray.mmuli} runs the slower matmul custom op).
     */
    public static double sgemmGflops(int n, int reps) {
        INDArray a = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray b = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray c = Nd4j.create(DataType.FLOAT, n, n);
        double[] t = new double[reps];
        for (int i = -2; i < reps; i++) {
            long s = System.nanoTime();
            Gemm.accumulate(a, false, b, false, 1.0, 0.0, c);
            if (i >= 0) {
                t[i] = (System.nanoTime() - s) / 1e9;
            }
        }
        return 2.0 * n * n * n / median(t) / 1e9;
    }

    /**
     * Runs one case: after a warm-up of at least 3 steps and {@code warmupSeconds}, at least {@code reps} timed
     * training steps and inference passes, and as many more as fit in {@code measureSeconds} each.
     */
    public static Row run(BenchmarkCase c, int reps, double warmupSeconds, double measureSeconds) {
        collectGarbage();
        MultiLayerNetwork net = c.network().get();
        INDArray x = Nd4j.rand(DataType.FLOAT, c.inputShape());
        INDArray y = Nd4j.rand(DataType.FLOAT, c.labelShape());
        long warmupStart = System.nanoTime();
        for (int i = 0; i < 3 || System.nanoTime() - warmupStart < warmupSeconds * 1e9; i++) {
            net.fit(x, y);
            net.output(x);
        }
        long[] peak = {Pointer.physicalBytes()};
        List<Double> power = new ArrayList<>();
        double[] train = timed(reps, measureSeconds, () -> net.fit(x, y), () -> {
            peak[0] = Math.max(peak[0], Pointer.physicalBytes());
            power.add(powerIterationMillis(net));
        });
        // inference with fixed weights: the first pass computes (and caches) the layers' certified bounds
        net.output(x);
        double[] infer = timed(reps, measureSeconds, () -> net.output(x),
                () -> peak[0] = Math.max(peak[0], Pointer.physicalBytes()));
        double trainMedian = median(train);
        return new Row(c.name(), min(train), trainMedian, percentile(train, 0.99), min(infer), median(infer),
                c.trainingFlops() / (trainMedian / 1e3) / 1e9,
                median(power.stream().mapToDouble(Double::doubleValue).toArray()) / trainMedian, peak[0] / 1e6);
    }

    /**
     * Times {@code call} at least {@code reps} times and until {@code seconds} have passed; runs {@code after} (not
     * timed) after each call. Milliseconds per call.
     */
    static double[] timed(int reps, double seconds, Runnable call, Runnable after) {
        List<Double> times = new ArrayList<>();
        long start = System.nanoTime();
        while (times.size() < reps || System.nanoTime() - start < seconds * 1e9) {
            long s = System.nanoTime();
            call.run();
            times.add((System.nanoTime() - s) / 1e6);
            after.run();
        }
        return times.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /**
     * Frees the native memory of the previous case's unreachable arrays before the next case starts, so that no case
     * pays for another's garbage (ND4J arrays are freed when the collector finds them; near JavaCPP's memory limit
     * every allocation waits for a collection).
     */
    private static void collectGarbage() {
        for (int i = 0; i < 3; i++) {
            System.gc();
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The time of one training iteration's state updates (power iteration) of every StructNet layer. */
    private static double powerIterationMillis(MultiLayerNetwork net) {
        long s = System.nanoTime();
        for (Layer layer : net.getLayers()) {
            if (layer.conf().getLayer() instanceof StructuredParameters p && !p.stateParameterKeys().isEmpty()) {
                p.updateState(layer.paramTable());
            }
        }
        return (System.nanoTime() - s) / 1e6;
    }

    /** The Markdown table. */
    public static String table(List<Row> rows, double sgemm) {
        StringBuilder sb = new StringBuilder();
        sb.append("| configuration | train step min / median (ms) | inference min / median (ms) | GFLOP/s (train)"
                + " | % of sgemm | power iteration | peak RSS (MB) |\n|---|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            // cases without a flop count (the neural-ODE solves, whose step count depends on the data) show "-"
            String rate = r.gflops() > 0 ? String.format(Locale.ROOT, "%.1f | %.0f %%", r.gflops(),
                    100 * r.gflops() / sgemm) : "- | -";
            sb.append(String.format(Locale.ROOT,
                    "| %s | %.2f / %.2f | %.2f / %.2f | %s | %.1f %% | %.0f |%n",
                    r.name(), r.trainMin(), r.trainMedian(), r.inferMin(), r.inferMedian(), rate,
                    100 * r.powerShare(), r.peakMb()));
        }
        sb.append(String.format(Locale.ROOT, "| ND4J sgemm 2048² | | | %.1f | 100 %% | | |%n", sgemm));
        return sb.toString();
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : 0.5 * (s[s.length / 2 - 1] + s[s.length / 2]);
    }

    /** The value below which a fraction {@code q} of v lies (nearest rank). */
    static double percentile(double[] v, double q) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[(int) Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
    }

    private static double min(double[] v) {
        return Arrays.stream(v).min().orElse(Double.NaN);
    }

    public static void main(String[] args) {
        boolean quick = false;
        int reps = 10;
        double warmup = 2.0;
        double measure = 3.0;
        String only = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> {
                    quick = true;
                    reps = 3;
                    warmup = 0.0;
                    measure = 0.0;
                }
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Double.parseDouble(args[++i]);
                case "--seconds" -> measure = Double.parseDouble(args[++i]);
                case "--only" -> only = args[++i];
                default -> throw new IllegalArgumentException("unknown argument '" + args[i]
                        + "'; usage: LayerBenchmark [--quick] [--reps N] [--warmup SECONDS] [--seconds SECONDS]"
                        + " [--only TEXT]");
            }
        }
        System.out.println(Backends.requireSupported());
        System.out.println(OneDnn.status());
        double sgemm = sgemmGflops(2048, quick ? 3 : 10);
        List<Row> rows = new ArrayList<>();
        for (BenchmarkCase c : BenchmarkCases.all(quick)) {
            if (only == null || c.name().contains(only)) {
                Row r = run(c, reps, warmup, measure);
                System.out.printf(Locale.ROOT, "%s: train %.1f ms (median), p99 %.1f ms (%.1f× the median), "
                        + "inference %.1f ms%n", r.name(), r.trainMedian(), r.trainP99(),
                        r.trainP99() / r.trainMedian(), r.inferMedian());
                rows.add(r);
            }
        }
        System.out.println();
        System.out.print(table(rows, sgemm));
    }
}
