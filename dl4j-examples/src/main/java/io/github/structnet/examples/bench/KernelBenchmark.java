package io.github.structnet.examples.bench;

import io.github.structnet.kernels.DirectConvolution;
import io.github.structnet.kernels.Gemm;
import io.github.structnet.kernels.Vectors;
import io.github.structnet.updater.FusedAdam;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.reduce3.Dot;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;

import java.util.Locale;

/**
 * Per-call times of the kernels the direct passes use, next to the ND4J routes they replace, as a Markdown table:
 * the products of a width-n dense layer at batch 256 ({@code Gemm.accumulate}, which calls OpenBLAS directly up to
 * 2²² multiply–adds, against {@code Nd4j.gemm}) and a dot and a norm of a [256, n] array ({@code Vectors} against
 * ND4J's {@code Dot} and {@code norm2Number}), and 3×3 convolutions ({@code DirectConvolution} against ND4J's
 * {@code conv2d} and {@code conv2d_bp}). Medians of repeated calls after warm-up, float32, single calls in
 * isolation: inside a training step other threads compete and the figures differ.
 * <p>Usage: {@code KernelBenchmark [--quick]}.
 */
public final class KernelBenchmark {

    private KernelBenchmark() {
    }

    /** The median time of {@code call} in microseconds over {@code reps} calls, after as many warm-up calls. */
    static double medianMicros(Runnable call, int reps) {
        for (int i = 0; i < reps; i++) {
            call.run();
        }
        return 1e3 * LayerBenchmark.median(LayerBenchmark.timed(reps, 0.0, call, () -> {
        }));
    }

    public static void main(String[] args) {
        boolean quick = args.length > 0 && args[0].equals("--quick");
        if (args.length > (quick ? 1 : 0)) {
            throw new IllegalArgumentException("usage: KernelBenchmark [--quick]");
        }
        StringBuilder sb = new StringBuilder("| width n | x·Wᵀ [256, n]·[n, n]ᵀ: Gemm / Nd4j.gemm (µs) | dot of [256, "
                + "n]: Vectors / Dot (µs) | norm of [256, n]: Vectors / norm2Number (µs) |\n|---|---|---|---|\n");
        for (int n : quick ? new int[]{64} : new int[]{64, 128, 256, 1024}) {
            int reps = quick ? 20 : (n >= 1024 ? 100 : 1000);
            INDArray x = Nd4j.rand(DataType.FLOAT, 256, n);
            INDArray w = Nd4j.rand(DataType.FLOAT, n, n);
            INDArray out = Nd4j.create(DataType.FLOAT, 256, n);
            INDArray y = Nd4j.rand(DataType.FLOAT, 256, n);
            double direct = medianMicros(() -> Gemm.accumulate(x, false, w, true, 1.0, 0.0, out), reps);
            double nd4j = medianMicros(() -> Nd4j.gemm(x, w, out, false, true, 1.0, 0.0), reps);
            double dot = medianMicros(() -> Vectors.dot(x, y), reps);
            double nd4jDot = medianMicros(() -> Nd4j.getExecutioner().exec(new Dot(x, y)).close(), reps);
            double norm = medianMicros(() -> Vectors.norm2(x), reps);
            double nd4jNorm = medianMicros(() -> x.norm2Number(), reps);
            sb.append(String.format(Locale.ROOT, "| %d | %.0f / %.0f | %.0f / %.0f | %.0f / %.0f |%n", n, direct, nd4j,
                    dot, nd4jDot, norm, nd4jNorm));
        }
        System.out.print(sb);
        System.out.print(convolutions(quick));
        System.out.print(adam(quick));
    }

    /**
     * One Adam step over the parameters of 8 dense blocks of width n (n² + 2n + 1 each) in one updater block:
     * {@link FusedAdam}'s updater (three fused oneDNN passes) against DL4J's {@code AdamUpdater} (ND4J's
     * {@code adam_updater} op), on the same gradient.
     */
    static String adam(boolean quick) {
        StringBuilder sb = new StringBuilder("\n| Adam step, parameters | FusedAdam / DL4J's Adam (ms) |\n|---|---|\n");
        for (int n : quick ? new int[]{64} : new int[]{64, 256, 1024}) {
            long length = 8L * ((long) n * n + 2L * n + 1);
            INDArray gradient = Nd4j.rand(DataType.FLOAT, 1, length).subi(0.5);
            GradientUpdater<?> fused = new FusedAdam(1e-3).instantiate(Nd4j.zeros(DataType.FLOAT, 1, 2 * length), true);
            GradientUpdater<?> stock = new Adam(1e-3).instantiate(Nd4j.zeros(DataType.FLOAT, 1, 2 * length), true);
            INDArray g1 = gradient.dup();
            INDArray g2 = gradient.dup();
            int reps = quick ? 5 : (n >= 1024 ? 30 : 300);
            int[] iteration = {0};
            double fusedMs = medianMicros(() -> fused.applyUpdater(g1.assign(gradient), iteration[0]++, 0), reps) / 1e3;
            double stockMs = medianMicros(() -> stock.applyUpdater(g2.assign(gradient), iteration[0]++, 0), reps) / 1e3;
            sb.append(String.format(Locale.ROOT, "| %,d (8 blocks of width %d) | %.2f / %.2f |%n", length, n, fusedMs,
                    stockMs));
        }
        return sb.toString();
    }

    /**
     * One 3×3 "same" convolution with bias, C → C channels, batch 64: forward and backward (input, weight and bias
     * gradients) through {@link DirectConvolution} (oneDNN called directly) against ND4J's {@code conv2d} and
     * {@code conv2d_bp}, in both layouts.
     */
    static String convolutions(boolean quick) {
        StringBuilder sb = new StringBuilder("\n| convolution | forward: direct / ND4J (ms) | backward: direct / ND4J "
                + "(ms) |\n|---|---|---|\n");
        int batch = quick ? 8 : 64;
        int reps = quick ? 5 : 40;
        for (int[] cs : quick ? new int[][]{{16, 14}} : new int[][]{{32, 28}, {64, 32}}) {
            for (boolean last : new boolean[]{false, true}) {
                int c = cs[0];
                int size = cs[1];
                long[] shape = last ? new long[]{batch, size, size, c} : new long[]{batch, c, size, size};
                INDArray x = Nd4j.rand(DataType.FLOAT, shape);
                INDArray g = Nd4j.rand(DataType.FLOAT, shape);
                INDArray k = Nd4j.rand(DataType.FLOAT, 3, 3, c, c);
                INDArray b = Nd4j.rand(DataType.FLOAT, c);
                INDArray y = x.ulike();
                INDArray gx = x.ulike();
                INDArray gk = k.ulike();
                INDArray gb = b.ulike();
                int layout = last ? 1 : 0;
                double direct = medianMicros(() -> DirectConvolution.forward(x, k, b, last, y), reps) / 1e3;
                double nd4j = medianMicros(() -> Nd4j.exec(DynamicCustomOp.builder("conv2d").addInputs(x, k, b)
                        .addOutputs(y).addIntegerArguments(3, 3, 1, 1, 0, 0, 1, 1, 1, layout).build()), reps) / 1e3;
                double directBack = medianMicros(() -> DirectConvolution.backward(x, k, b, g, last, gx, gk, gb), reps)
                        / 1e3;
                double nd4jBack = medianMicros(() -> Nd4j.exec(DynamicCustomOp.builder("conv2d_bp")
                        .addInputs(x, k, b, g).addOutputs(gx, gk, gb)
                        .addIntegerArguments(3, 3, 1, 1, 0, 0, 1, 1, 1, layout).build()), reps) / 1e3;
                sb.append(String.format(Locale.ROOT, "| %d ch, %dx%d, batch %d, %s | %.2f / %.2f | %.2f / %.2f |%n", c,
                        size, size, batch, last ? "NHWC" : "NCHW", direct, nd4j, directBack, nd4jBack));
            }
        }
        return sb.toString();
    }
}
