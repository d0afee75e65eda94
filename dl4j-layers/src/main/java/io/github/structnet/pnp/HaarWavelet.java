package io.github.structnet.pnp;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The orthonormal 2-D Haar transform W with a given number of levels, channel by channel, in the usual
 * in-place layout (coarsest approximation in the top-left (H/2^L)×(W/2^L) corner). W is orthogonal: W⁻¹ = Wᵀ and
 * ‖Wx‖ = ‖x‖. H and W must be multiples of 2^levels.
 */
public final class HaarWavelet {

    private static final double R = Math.sqrt(0.5);

    private final int levels;

    public HaarWavelet(int levels) {
        if (levels < 1) {
            throw new IllegalArgumentException("HaarWavelet: levels must be >= 1; got " + levels);
        }
        this.levels = levels;
    }

    /** W x for an image [1, C, H, W]. */
    public INDArray forward(INDArray image) {
        return transform(image, true);
    }

    /** Wᵀ c = W⁻¹ c. */
    public INDArray inverse(INDArray coefficients) {
        return transform(coefficients, false);
    }

    /** True for the coefficients of the coarsest approximation band (not thresholded by ISTA). */
    public boolean isApproximation(long row, long col, long height, long width) {
        return row < (height >> levels) && col < (width >> levels);
    }

    public int levels() {
        return levels;
    }

    private INDArray transform(INDArray image, boolean forward) {
        long h = image.size(2);
        long w = image.size(3);
        if (image.rank() != 4 || h % (1L << levels) != 0 || w % (1L << levels) != 0) {
            throw new IllegalArgumentException("HaarWavelet(" + levels + " levels): the image height and width must be"
                    + " multiples of " + (1L << levels) + "; got " + java.util.Arrays.toString(image.shape()));
        }
        int hh = (int) h;
        int ww = (int) w;
        double[] data = Images.values(image);
        int plane = hh * ww;
        for (int p = 0; p < data.length / plane; p++) {
            if (forward) {
                for (int l = 0; l < levels; l++) {
                    step(data, p * plane, ww, hh >> l, ww >> l, true);
                }
            } else {
                for (int l = levels - 1; l >= 0; l--) {
                    step(data, p * plane, ww, hh >> l, ww >> l, false);
                }
            }
        }
        return Nd4j.createFromArray(data).reshape('c', image.shape()).castTo(image.dataType());
    }

    /** One level on the top-left rows×cols block: rows then columns (forward), columns then rows (inverse). */
    private static void step(double[] d, int offset, int stride, int rows, int cols, boolean forward) {
        if (forward) {
            pass(d, offset, stride, rows, cols, true, true);
            pass(d, offset, stride, rows, cols, false, true);
        } else {
            pass(d, offset, stride, rows, cols, false, false);
            pass(d, offset, stride, rows, cols, true, false);
        }
    }

    /** Haar analysis (or synthesis) along each row (alongRows) or each column of the block. */
    private static void pass(double[] d, int offset, int stride, int rows, int cols, boolean alongRows,
                             boolean forward) {
        int lines = alongRows ? rows : cols;
        int n = alongRows ? cols : rows;
        double[] tmp = new double[n];
        for (int line = 0; line < lines; line++) {
            for (int i = 0; i < n; i++) {
                tmp[i] = d[index(offset, stride, alongRows, line, i)];
            }
            for (int i = 0; i < n / 2; i++) {
                double a;
                double b;
                if (forward) {
                    a = (tmp[2 * i] + tmp[2 * i + 1]) * R;
                    b = (tmp[2 * i] - tmp[2 * i + 1]) * R;
                    d[index(offset, stride, alongRows, line, i)] = a;
                    d[index(offset, stride, alongRows, line, n / 2 + i)] = b;
                } else {
                    a = (tmp[i] + tmp[n / 2 + i]) * R;
                    b = (tmp[i] - tmp[n / 2 + i]) * R;
                    d[index(offset, stride, alongRows, line, 2 * i)] = a;
                    d[index(offset, stride, alongRows, line, 2 * i + 1)] = b;
                }
            }
        }
    }

    private static int index(int offset, int stride, boolean alongRows, int line, int i) {
        return alongRows ? offset + line * stride + i : offset + i * stride + line;
    }
}
