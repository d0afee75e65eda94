package io.github.structnet.spectral;

import io.github.structnet.kernels.Convolutions;
import org.nd4j.common.base.Preconditions;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Broadcast;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

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
 * Each ‖M(ω)‖₂ is bounded by {@link GramIteration}'s squaring argument, run batched over all frequencies on the
 * real form [[Re M, −Im M], [Im M, Re M]] (same singular values). The result is never below ‖K‖₂ and exceeds it
 * by the torus-versus-zero-padding gap (small for H ≫ k) and the Gram factor (2·rank)^{1/2^{j+1}} (1.0007 for
 * rank 256 and j = 12 squarings). Double precision, widened by {@link GramIteration#ROUNDING_MARGIN}.
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
    public static final int DEFAULT_ITERATIONS = 12;

    private ConvolutionNorm() {
    }

    /**
     * A sound upper bound of ‖K‖₂ for weights [k, k, C, C′], stride 1 or 2, on inputs H×W.
     *
     * @throws IllegalArgumentException for even kernels, other strides, non-positive sizes or non-finite weights
     */
    public static double upperBound(INDArray weights, int stride, long height, long width) {
        requireGeometry(weights, stride, height, width);
        int k = (int) weights.size(0);
        long cIn = weights.size(2);
        long cOut = weights.size(3);
        int nh = torusSize(height, k, stride);
        int nw = torusSize(width, k, stride);
        INDArray kernel = weights.castTo(DataType.DOUBLE).reshape('c', (long) k * k, cIn * cOut);
        Preconditions.checkArgument(Double.isFinite(kernel.norm2Number().doubleValue()),
                "ConvolutionNorm: the kernel contains NaN or infinite values");

        // transfer matrices A(ω) at every frequency, grouped by coarse frequency: [coarse, s², C·C′]
        int ch = nh / stride;
        int cw = nw / stride;
        int aliases = stride * stride;
        double[][] cos = new double[ch * cw * aliases][k * k];
        double[][] sin = new double[ch * cw * aliases][k * k];
        for (int u = 0; u < ch; u++) {
            for (int v = 0; v < cw; v++) {
                for (int i = 0; i < stride; i++) {
                    for (int j = 0; j < stride; j++) {
                        int row = ((u * cw + v) * stride + i) * stride + j;
                        double fh = (double) (u + i * ch) / nh;
                        double fw = (double) (v + j * cw) / nw;
                        for (int a = 0; a < k; a++) {
                            for (int b = 0; b < k; b++) {
                                double angle = -2 * Math.PI * (fh * a + fw * b);
                                cos[row][a * k + b] = Math.cos(angle);
                                sin[row][a * k + b] = Math.sin(angle);
                            }
                        }
                    }
                }
            }
        }
        long coarse = (long) ch * cw;
        INDArray re = Nd4j.createFromArray(cos).mmul(kernel).divi(stride).reshape('c', coarse, aliases * cIn, cOut);
        INDArray im = Nd4j.createFromArray(sin).mmul(kernel).divi(stride).reshape('c', coarse, aliases * cIn, cOut);
        // real form [[Re, −Im], [Im, Re]]: [coarse, 2 s² C, 2 C′]
        INDArray real = Nd4j.concat(1, Nd4j.concat(2, re, im.neg()), Nd4j.concat(2, im, re));
        return batchedGramBound(real, DEFAULT_ITERATIONS) * (1.0 + GramIteration.ROUNDING_MARGIN);
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

    /** max over the batch of the Gram-iteration bound of each [d₁, d₂] matrix of a [batch, d₁, d₂] array. */
    static double batchedGramBound(INDArray matrices, int iterations) {
        long batch = matrices.size(0);
        INDArray scale = nonZero(matrices.norm2(1, 2));
        INDArray m = Broadcast.div(matrices, scale, matrices.ulike(), 0);
        INDArray mt = m.permute(0, 2, 1).dup();
        INDArray g = m.size(1) <= m.size(2) ? Nd4j.matmul(m, mt) : Nd4j.matmul(mt, m);
        double[] logBound = new double[(int) batch];
        double weight = 1.0;
        for (int j = 0; j < iterations; j++) {
            double[] f = g.norm2(1, 2).toDoubleVector();
            addLogs(logBound, f, weight);
            g = Broadcast.div(g, nonZero(Nd4j.createFromArray(f)), g, 0);
            g = Nd4j.matmul(g, g);
            weight *= 0.5;
        }
        addLogs(logBound, g.norm2(1, 2).toDoubleVector(), weight);
        double[] scales = scale.toDoubleVector();
        double max = 0.0;
        for (int b = 0; b < batch; b++) {
            max = Math.max(max, scales[b] * Math.exp(0.5 * logBound[b]));
        }
        return max;
    }

    private static void addLogs(double[] logBound, double[] f, double weight) {
        for (int b = 0; b < f.length; b++) {
            logBound[b] += weight * Math.log(f[b]); // log 0 = −∞: that matrix is zero and its bound 0
        }
    }

    private static INDArray nonZero(INDArray norms) {
        return Transforms.max(norms, Double.MIN_NORMAL, true);
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
