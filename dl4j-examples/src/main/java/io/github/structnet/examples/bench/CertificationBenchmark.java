package io.github.structnet.examples.bench;

import io.github.structnet.spectral.ConvolutionNorm;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What certifying one 3×3 convolution costs: {@link ConvolutionNorm#upperBound} for C → C channels on H×H inputs,
 * with its time, the process's peak resident memory during the call (the kernel's high-water mark, reset before each
 * case), and, where the dense operator fits (C·H·W ≤ 4096), the ratios of the certificate and of the Fourier bound to
 * the exact norm. Kernels are random with a layer's initial scale. Prints a Markdown table.
 * The peak is the process's: run one case per JVM ({@code --case}) for a peak that belongs to that case alone.
 * <p>Usage: {@code CertificationBenchmark [--quick | --case CHANNELS SIZE STRIDE]}.
 */
public final class CertificationBenchmark {

    private static final long EXACT_COMPUTABLE = 4096;

    private CertificationBenchmark() {
    }

    /** One certified convolution: channels, input side, stride. */
    record Case(int channels, int size, int stride) {
    }

    public static void main(String[] args) throws IOException {
        boolean quick = args.length == 1 && args[0].equals("--quick");
        boolean single = args.length == 4 && args[0].equals("--case");
        if (args.length > 0 && !quick && !single) {
            throw new IllegalArgumentException("usage: CertificationBenchmark [--quick | --case CHANNELS SIZE STRIDE]");
        }
        List<Case> cases = new ArrayList<>();
        if (single) {
            cases.add(new Case(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3])));
        } else if (quick) {
            cases.add(new Case(16, 8, 1));
            cases.add(new Case(16, 28, 1));
            cases.add(new Case(8, 16, 2));
        } else {
            for (int channels : new int[]{16, 32, 64}) {
                for (int size : new int[]{8, 16, 28, 56, 128}) {
                    cases.add(new Case(channels, size, 1));
                }
            }
            cases.add(new Case(64, 256, 1));
            cases.add(new Case(96, 16, 1));
            cases.add(new Case(32, 16, 2));
            cases.add(new Case(64, 64, 2));
        }
        System.out.print("| channels | input | stride | time (s) | peak RSS (MB) | certificate / exact"
                + " | Fourier bound / exact |\n|---|---|---|---|---|---|---|\n");
        for (Case c : cases) {
            Nd4j.getRandom().setSeed(31L * c.channels() + c.size());
            INDArray kernel = Nd4j.randn(DataType.FLOAT, 3, 3, c.channels(), c.channels())
                    .muli(1.0 / Math.sqrt(9.0 * c.channels()));
            System.gc();
            PeakMemory.reset();
            long start = System.nanoTime();
            double bound = ConvolutionNorm.upperBound(kernel, c.stride(), c.size(), c.size());
            double seconds = (System.nanoTime() - start) / 1e9;
            double peakMb = PeakMemory.peakKb() / 1024.0;
            String ratio = "–";
            String fourier = "–";
            if ((long) c.channels() * c.size() * c.size() <= EXACT_COMPUTABLE) {
                double exact = ConvolutionNorm.exact(kernel, c.stride(), c.size(), c.size());
                ratio = String.format(Locale.ROOT, "%.5f", bound / exact);
                fourier = String.format(Locale.ROOT, "%.5f",
                        ConvolutionNorm.fourierBound(kernel, c.stride(), c.size(), c.size()) / exact);
            }
            System.out.printf(Locale.ROOT, "| %d | %dx%d | %d | %.2f | %.0f | %s | %s |%n", c.channels(), c.size(),
                    c.size(), c.stride(), seconds, peakMb, ratio, fourier);
        }
    }
}
