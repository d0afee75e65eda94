package io.github.structnet.spectral;

import io.github.structnet.kernels.Convolutions;
import io.github.structnet.kernels.Release;
import org.nd4j.common.base.Preconditions;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The operator norm ‖K‖₂ of a zero-padded ("same") k×k convolution with stride s ∈ {1, 2} on inputs of a given
 * size H×W: a sound upper bound for certificates, and the exact value for small sizes.
 * <p><b>Sound bound.</b> Embed the input into an N_h×N_w torus, N_h ≥ H + ⌈P_h/2⌉ and N_w ≥ W + ⌈P_w/2⌉ (P the total
 * padding), multiples of s. The
 * zero-padded convolution is then "embed, circular convolution, subsample by s, crop" with no wrap-around, and
 * embedding and cropping have norm ≤ 1. The circular convolution is block-diagonalised by the 2-D DFT; with
 * A(ω) ∈ ℂ^{C×C′} the kernel's transfer matrix at frequency ω, subsampling by s folds the s² aliases ω₁ … ω_{s²} of
 * each frequency of the coarse grid together:
 * <pre>
 *   ‖K‖₂ ≤ max_ω ‖ M(ω) ‖₂,     M(ω) = (1/s) [A(ω₁); …; A(ω_{s²})]  ∈ ℂ^{s²C × C′}
 * </pre>
 * Each ‖M(ω)‖₂ is bounded by {@link GramIteration}'s squaring argument in complex arithmetic
 * ({@code ComplexGramBound}), over one frequency of each conjugate pair, streamed in blocks of bounded memory; time and
 * memory grow linearly with H·W. The result is never below ‖K‖₂ and exceeds it by the torus-versus-zero-padding gap
 * (small for H ≫ k) and the Gram factor g^{1/2^{j+2}} (at most 1.008 for g = 64 channels and j = 7 squarings, typically
 * far less). Double precision, widened by {@link GramIteration#ROUNDING_MARGIN}.
 * <p><b>Small operators.</b> Where C·H·W ≤ {@link #EXACT_LIMIT}, {@link #upperBound} returns the exact norm (the
 * largest singular value of the dense operator) widened by a relative 1e-8 for rounding, which removes the torus gap
 * on small feature maps.
 * <p>The reshaped-kernel norm ‖K as a (k²C)×C′ matrix‖ is not a bound one can use in its place: it can be off by a
 * factor up to k in either direction.
 *
 * @see <a href="https://arxiv.org/abs/1805.10408">Sedghi, Gupta, Long 2019, The singular values of convolutional
 * layers</a>
 * @see <a href="https://arxiv.org/abs/2305.16173">Delattre et al. 2023, Efficient bound of Lipschitz constant for
 * convolutional layers by Gram iteration</a>
 */
public final class ConvolutionNorm {

    /** Squarings per frequency. */
    public static final int DEFAULT_ITERATIONS = 7;
    /** C·H·W up to which {@link #upperBound} returns the exact norm (dense operator, SVD) with a rounding margin. */
    public static final long EXACT_LIMIT = 1024;
    /** Relative margin of the exact norm for the rounding of the Gram matrix and the symmetric eigensolver. */
    public static final double EXACT_MARGIN = 1e-8;
    /** Memory of one block of frequencies (transfer matrices and Gram matrices), in bytes. */
    private static final long BLOCK_BYTES = 32L << 20;

    private ConvolutionNorm() {
    }

    /**
     * A sound upper bound of ‖K‖₂ for weights [k, k, C, C′], stride 1 or 2, on inputs H×W: the exact norm widened by a
     * rounding margin when C·H·W ≤ {@link #EXACT_LIMIT}, the {@linkplain #fourierBound Fourier bound} above.
     *
     * @throws IllegalArgumentException for even kernels, other strides, non-positive sizes or non-finite weights
     */
    public static double upperBound(INDArray weights, int stride, long height, long width) {
        requireGeometry(weights, stride, height, width);
        requireFinite(weights);
        if (weights.size(2) * height * width <= EXACT_LIMIT) {
            return exact(weights, stride, height, width) * (1.0 + EXACT_MARGIN);
        }
        return fourierBound(weights, stride, height, width);
    }

    /**
     * The Fourier bound max_ω ‖M(ω)‖₂ on the torus (see the class documentation), each ‖M(ω)‖₂ bounded by
     * {@link #DEFAULT_ITERATIONS} Gram squarings. The Gram matrices come straight from the kernel's autocorrelations,
     * one product per block of frequencies:
     * <pre>
     *   M(ω)ᴴ M(ω) = Σ_δ R_δ c_δ(ω),   R_δ = Σ_{p − p′ = δ} K_pᵀ K_p′,   c_δ(ω) = (1/s²) Σ_aliases e^{2πi f·δ}
     * </pre>
     * (and M Mᴴ from K_p K_p′ᵀ, the smaller side, for stride 1). Frequencies stream through in blocks of bounded
     * memory; ω and −ω share singular values (M(−ω) is the conjugate of M(ω) with its rows permuted), so only one of
     * each pair is computed; a frequency whose bound falls below another's lower bound is dropped from further
     * squarings.
     */
    public static double fourierBound(INDArray weights, int stride, long height, long width) {
        requireGeometry(weights, stride, height, width);
        requireFinite(weights);
        int k = (int) weights.size(0);
        long cIn = weights.size(2);
        long cOut = weights.size(3);
        // M Mᴴ (C×C) is the smaller Gram matrix only without aliases: with stride 2 its blocks mix the aliases
        boolean columns = stride == 2 || cOut <= cIn;
        Autocorrelation correlation = Autocorrelation.of(weights.castTo(DataType.DOUBLE), columns);
        long g = columns ? cOut : cIn;
        Torus torus = new Torus(k, stride, torusSize(height, k, stride), torusSize(width, k, stride));
        int[] frequencies = torus.conjugateRepresentatives();
        long bytesPerFrequency = 8L * (2 * g * g + 2L * correlation.offsets());
        int block = (int) Math.max(1, Math.min(frequencies.length, BLOCK_BYTES / bytesPerFrequency));
        ComplexGramBound bound = new ComplexGramBound(DEFAULT_ITERATIONS);
        for (int start = 0; start < frequencies.length; start += block) {
            int count = Math.min(block, frequencies.length - start);
            INDArray[] weightsOfOffsets = torus.offsetWeights(frequencies, start, count);
            INDArray real = weightsOfOffsets[0].mmul(correlation.matrices());
            // Mᴴ M carries e^{+2πi f·δ}; M Mᴴ carries e^{−2πi f·δ}
            INDArray imaginary = weightsOfOffsets[1].mmul(correlation.matrices()).muli(columns ? 1.0 : -1.0);
            bound.add(real.reshape('c', count, g, g), imaginary.reshape('c', count, g, g));
            Release.all(weightsOfOffsets[0], weightsOfOffsets[1], real, imaginary);
        }
        correlation.matrices().close();
        return bound.upperBound() * (1.0 + GramIteration.ROUNDING_MARGIN);
    }

    /**
     * The kernel's autocorrelations R_δ = Σ_{p − p′ = δ} K_pᵀ K_p′ (columns: C′×C′) or S_δ = Σ K_p K_p′ᵀ (C×C), one per
     * offset δ = (δ_h, δ_w) ∈ [−(k−1), k−1]², as the rows of a [(2k−1)², g²] matrix.
     */
    private record Autocorrelation(INDArray matrices, int offsets) {

        static Autocorrelation of(INDArray weights, boolean columns) {
            int k = (int) weights.size(0);
            long cIn = weights.size(2);
            long cOut = weights.size(3);
            int span = 2 * k - 1;
            long g = columns ? cOut : cIn;
            INDArray matrices = Nd4j.zeros(DataType.DOUBLE, (long) span * span, g * g);
            for (int a = 0; a < k; a++) {
                for (int b = 0; b < k; b++) {
                    INDArray tap = weights.get(NDArrayIndex.point(a), NDArrayIndex.point(b)).reshape(cIn, cOut);
                    for (int a2 = 0; a2 < k; a2++) {
                        for (int b2 = 0; b2 < k; b2++) {
                            INDArray other = weights.get(NDArrayIndex.point(a2), NDArrayIndex.point(b2))
                                    .reshape(cIn, cOut);
                            INDArray product = columns ? tap.transpose().mmul(other) : tap.mmul(other.transpose());
                            int offset = (a - a2 + k - 1) * span + (b - b2 + k - 1);
                            matrices.getRow(offset).addi(product.reshape(g * g));
                            Release.all(product);
                        }
                    }
                }
            }
            return new Autocorrelation(matrices, span * span);
        }
    }

    /**
     * The coarse frequencies (u, v) of an N_h×N_w torus subsampled by s, with their s² aliases
     * f = ((u + i·N_h/s)/N_h, (v + j·N_w/s)/N_w).
     */
    private record Torus(int k, int stride, int nh, int nw) {

        int coarseRows() {
            return nh / stride;
        }

        int coarseColumns() {
            return nw / stride;
        }

        /** One coarse frequency of each pair {ω, −ω}, as u·(N_w/s) + v. */
        int[] conjugateRepresentatives() {
            int ch = coarseRows();
            int cw = coarseColumns();
            return java.util.stream.IntStream.range(0, ch * cw).filter(index -> {
                int u = index / cw;
                int v = index % cw;
                return index <= ((ch - u) % ch) * cw + (cw - v) % cw;
            }).toArray();
        }

        /**
         * (1/s²) Σ_aliases cos(2π f·δ) and sin(2π f·δ) for each frequency of the block and each offset δ, ordered as
         * the rows of {@link Autocorrelation}: [count, (2k−1)²] each.
         */
        INDArray[] offsetWeights(int[] frequencies, int start, int count) {
            int ch = coarseRows();
            int cw = coarseColumns();
            int span = 2 * k - 1;
            double[] cos = new double[count * span * span];
            double[] sin = new double[cos.length];
            double perAlias = 1.0 / (stride * stride);
            for (int f = 0; f < count; f++) {
                int u = frequencies[start + f] / cw;
                int v = frequencies[start + f] % cw;
                for (int i = 0; i < stride; i++) {
                    for (int j = 0; j < stride; j++) {
                        double fh = (double) (u + i * ch) / nh;
                        double fw = (double) (v + j * cw) / nw;
                        for (int dh = 0; dh < span; dh++) {
                            for (int dw = 0; dw < span; dw++) {
                                double angle = 2 * Math.PI * (fh * (dh - k + 1) + fw * (dw - k + 1));
                                int at = (f * span + dh) * span + dw;
                                cos[at] += perAlias * Math.cos(angle);
                                sin[at] += perAlias * Math.sin(angle);
                            }
                        }
                    }
                }
            }
            long[] shape = {count, (long) span * span};
            return new INDArray[]{Nd4j.create(cos, shape, DataType.DOUBLE), Nd4j.create(sin, shape, DataType.DOUBLE)};
        }
    }

    private static void requireFinite(INDArray weights) {
        Preconditions.checkArgument(Double.isFinite(weights.castTo(DataType.DOUBLE).norm2Number().doubleValue()),
                "ConvolutionNorm: the kernel contains NaN or infinite values");
    }

    /**
     * The exact ‖K‖₂ from the SVD of the convolution's dense matrix, built column by column from Dirac inputs.
     * For small sizes only (C·H·W columns).
     */
    public static double exact(INDArray weights, int stride, long height, long width) {
        requireGeometry(weights, stride, height, width);
        long cIn = weights.size(2);
        int n = (int) (cIn * height * width);
        Preconditions.checkArgument(n <= 4096, "ConvolutionNorm.exact builds a dense matrix; C·H·W = %s is too large",
                n);
        INDArray diracs = Nd4j.eye(n).castTo(DataType.DOUBLE).reshape('c', n, cIn, height, width);
        INDArray columns = Convolutions.apply(diracs, weights.castTo(DataType.DOUBLE), stride).reshape('c', n, -1);
        return SpectralNorm.exact(columns);
    }

    /**
     * The smallest torus side N, a multiple of s, on which the "same" convolution of an input of side n does not
     * wrap around: N ≥ n + ⌈P/2⌉ with P = max(s(⌈n/s⌉ − 1) + k − n, 0) the total padding.
     */
    static int torusSize(long n, int k, int stride) {
        long out = (n + stride - 1) / stride;
        long padding = Math.max(stride * (out - 1) + k - n, 0);
        long minimum = n + (padding + 1) / 2;
        return (int) ((minimum + stride - 1) / stride * stride);
    }

    /** Checks an odd square kernel [k, k, C, C′], stride 1 or 2, and positive sizes. */
    public static void requireGeometry(INDArray weights, int stride, long height, long width) {
        Preconditions.checkArgument(weights != null && weights.rank() == 4 && weights.size(0) == weights.size(1),
                "ConvolutionNorm: weights must be [k, k, C, C']; got %s", weights == null ? null
                        : weights.shapeInfoToString());
        Preconditions.checkArgument(weights.size(0) % 2 == 1, "ConvolutionNorm: the kernel size must be odd; got %s",
                weights.size(0));
        Preconditions.checkArgument(stride == 1 || stride == 2,
                "ConvolutionNorm: only strides 1 and 2 are certified; got %s", stride);
        Preconditions.checkArgument(height > 0 && width > 0, "ConvolutionNorm: input size must be positive; got %sx%s",
                height, width);
    }
}
