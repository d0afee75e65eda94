package io.github.structnet.spectral;

import io.github.structnet.kernels.Convolutions;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The convolution / adjoint pairs, the sound Fourier bound and power iteration against the exact norm (Dirac SVD). */
class ConvolutionNormTest {

    @Test
    void ndArrayConvolutionAndAdjointAreAdjoint() {
        for (int stride : new int[]{1, 2}) {
            for (int k : new int[]{1, 3, 5}) {
                for (int size : new int[]{6, 7}) {
                    Nd4j.getRandom().setSeed(31L * k + size + stride);
                    INDArray w = Nd4j.randn(DataType.DOUBLE, k, k, 3, 4);
                    INDArray x = Nd4j.randn(DataType.DOUBLE, 2, 3, size, size + 1);
                    INDArray kx = Convolutions.apply(x, w, stride);
                    INDArray y = Nd4j.randn(DataType.DOUBLE, kx.shape());
                    INDArray kty = Convolutions.adjoint(y, w, stride, x.shape());
                    double lhs = kx.mul(y).sumNumber().doubleValue();
                    double rhs = x.mul(kty).sumNumber().doubleValue();
                    assertEquals(lhs, rhs, 1e-10 * Math.max(1, Math.abs(lhs)),
                            "stride " + stride + ", kernel " + k + ", size " + size);
                }
            }
        }
    }

    @Test
    void fourierBoundIsSoundAndTightOnSmallSizes() {
        double worst = 1.0;
        for (int stride : new int[]{1, 2}) {
            for (int k : new int[]{1, 3, 5}) {
                for (int seed = 0; seed < 3; seed++) {
                    Nd4j.getRandom().setSeed(100 * stride + 10 * k + seed);
                    int size = 6 + seed;
                    INDArray w = Nd4j.randn(DataType.DOUBLE, k, k, 2 + seed, 3);
                    double exact = ConvolutionNorm.exact(w, stride, size, size + 1);
                    double bound = ConvolutionNorm.upperBound(w, stride, size, size + 1);
                    double fourier = ConvolutionNorm.fourierBound(w, stride, size, size + 1);
                    String where = "stride " + stride + ", k " + k + ", seed " + seed;
                    assertTrue(bound >= exact, where + ": bound " + bound + " < exact " + exact);
                    assertTrue(fourier >= exact, where + ": Fourier bound " + fourier + " < exact " + exact);
                    worst = Math.max(worst, fourier / exact);
                }
            }
        }
        System.out.println("worst Fourier bound/exact ratio on 6x7..8x9 inputs: " + worst);
    }

    @Test
    void certificateIsTheExactNormWithAMarginOnSmallOperators() {
        Nd4j.getRandom().setSeed(17);
        INDArray w = Nd4j.randn(DataType.DOUBLE, 3, 3, 8, 8);
        double exact = ConvolutionNorm.exact(w, 1, 8, 8);
        double bound = ConvolutionNorm.upperBound(w, 1, 8, 8);
        assertTrue(bound >= exact && bound <= exact * (1 + 1e-7), "bound " + bound + ", exact " + exact);
    }

    @Test
    void fourierBoundEqualsTheLargestFrequencyNormUpToTheGramFactor() {
        for (int stride : new int[]{1, 2}) {
            for (boolean smooth : new boolean[]{false, true}) {
                Nd4j.getRandom().setSeed(40 + stride);
                INDArray w = Nd4j.randn(DataType.DOUBLE, 3, 3, 5, 4);
                if (smooth) {
                    // equal taps plus a little noise: the low frequencies dominate and the others get dropped early
                    w = w.muli(0.05).addi(Nd4j.randn(DataType.DOUBLE, 1, 1, 5, 4).broadcast(3, 3, 5, 4));
                }
                int h = 9;
                int wd = 12;
                double largest = largestFrequencyNorm(w, stride, h, wd);
                double fourier = ConvolutionNorm.fourierBound(w, stride, h, wd);
                String where = "stride " + stride + (smooth ? ", smooth" : ", random");
                assertTrue(fourier >= largest, where + ": " + fourier + " < " + largest);
                assertTrue(fourier <= largest * 1.002, where + ": " + fourier + " vs " + largest);
            }
        }
    }

    /** max over every coarse frequency of the exact ‖M(ω)‖₂, from the real form [[Re, −Im], [Im, Re]]. */
    private static double largestFrequencyNorm(INDArray w, int stride, int height, int width) {
        int k = (int) w.size(0);
        long cIn = w.size(2);
        long cOut = w.size(3);
        int nh = ConvolutionNorm.torusSize(height, k, stride);
        int nw = ConvolutionNorm.torusSize(width, k, stride);
        int ch = nh / stride;
        int cw = nw / stride;
        double best = 0;
        for (int u = 0; u < ch; u++) {
            for (int v = 0; v < cw; v++) {
                INDArray re = Nd4j.zeros(DataType.DOUBLE, stride * stride * cIn, cOut);
                INDArray im = re.dup();
                for (int i = 0; i < stride; i++) {
                    for (int j = 0; j < stride; j++) {
                        long row = (i * stride + j) * cIn;
                        for (int a = 0; a < k; a++) {
                            for (int b = 0; b < k; b++) {
                                double angle = -2 * Math.PI * ((double) (u + i * ch) / nh * a
                                        + (double) (v + j * cw) / nw * b);
                                INDArray tap = w.get(org.nd4j.linalg.indexing.NDArrayIndex.point(a),
                                        org.nd4j.linalg.indexing.NDArrayIndex.point(b)).reshape(cIn, cOut);
                                re.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(row, row + cIn),
                                        org.nd4j.linalg.indexing.NDArrayIndex.all()).addi(tap.mul(Math.cos(angle)));
                                im.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(row, row + cIn),
                                        org.nd4j.linalg.indexing.NDArrayIndex.all()).addi(tap.mul(Math.sin(angle)));
                            }
                        }
                    }
                }
                INDArray real = Nd4j.concat(0, Nd4j.concat(1, re, im.neg()), Nd4j.concat(1, im, re)).divi(stride);
                best = Math.max(best, SpectralNorm.exact(real));
            }
        }
        return best;
    }

    @Test
    void fourierBoundIsTightOnImageSizes() {
        for (int stride : new int[]{1, 2}) {
            Nd4j.getRandom().setSeed(5 + stride);
            INDArray w = Nd4j.randn(DataType.DOUBLE, 3, 3, 4, 4);
            double exact = ConvolutionNorm.exact(w, stride, 16, 16);
            double bound = ConvolutionNorm.fourierBound(w, stride, 16, 16);
            System.out.println("stride " + stride + " 16x16: Fourier bound/exact " + bound / exact);
            assertTrue(bound >= exact && bound <= 1.03 * exact, "stride " + stride + ": bound " + bound + ", exact "
                    + exact);
        }
    }

    @Test
    void powerIterationApproachesTheExactNormFromBelow() {
        for (int stride : new int[]{1, 2}) {
            Nd4j.getRandom().setSeed(7 + stride);
            INDArray w = Nd4j.randn(DataType.DOUBLE, 3, 3, 3, 4);
            double exact = ConvolutionNorm.exact(w, stride, 8, 8);
            INDArray v = Nd4j.randn(DataType.DOUBLE, 1, 3, 8, 8);
            double estimate = PowerIteration.iterate(LinearOperator.ofConvolution(w, stride, 8, 8), v, 300);
            assertTrue(estimate <= exact * (1 + 1e-12), "stride " + stride);
            assertEquals(exact, estimate, 1e-4 * exact, "stride " + stride);
        }
    }

    @Test
    void refusesWhatItCannotCertify() {
        INDArray even = Nd4j.zeros(DataType.DOUBLE, 2, 2, 1, 1);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ConvolutionNorm.upperBound(even, 1, 5, 5))
                .getMessage().contains("odd"));
        INDArray w = Nd4j.zeros(DataType.DOUBLE, 3, 3, 1, 1);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ConvolutionNorm.upperBound(w, 3, 5, 5))
                .getMessage().contains("strides 1 and 2"));
        assertEquals(0.0, ConvolutionNorm.upperBound(w, 1, 5, 5));
    }
}
