package io.github.structnet.examples.bench;

import io.github.structnet.kernels.Gemm;
import io.github.structnet.kernels.Vectors;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce3.Dot;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Locale;

/**
 * Per-call times of the kernels the direct passes use, next to the ND4J routes they replace, as a Markdown table:
 * the products of a width-n dense layer at batch 256 ({@code Gemm.accumulate}, which calls OpenBLAS directly up to
 * 2²² multiply–adds, against {@code Nd4j.gemm}) and a dot and a norm of a [256, n] array ({@code Vectors} against
 * ND4J's {@code Dot} and {@code norm2Number}). Medians of repeated calls after warm-up, float32, single calls in
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
        StringBuilder sb = new StringBuilder("| width n | x·Wᵀ [256, n]·[n, n]ᵀ: Gemm / Nd4j.gemm (µs) | dot of [256, n]:"
                + " Vectors / Dot (µs) | norm of [256, n]: Vectors / norm2Number (µs) |\n|---|---|---|---|\n");
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
    }
}
