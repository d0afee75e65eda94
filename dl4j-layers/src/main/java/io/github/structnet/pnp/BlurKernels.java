package io.github.structnet.pnp;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Normalised blur kernels (non-negative, summing to 1): Gaussian and linear motion. */
public final class BlurKernels {

    private static final int SUBSAMPLES = 16;

    private BlurKernels() {
    }

    /** A size×size Gaussian of standard deviation sigma (pixels), size odd. */
    public static INDArray gaussian(int size, double sigma) {
        requireOddSize(size, "gaussian");
        if (!(sigma > 0) || !Double.isFinite(sigma)) {
            throw new IllegalArgumentException("BlurKernels.gaussian: sigma must be positive and finite; got " + sigma);
        }
        int r = size / 2;
        double[][] k = new double[size][size];
        for (int i = 0; i < size; i++) {
            for (int j = 0; j < size; j++) {
                k[i][j] = Math.exp(-((i - r) * (i - r) + (j - r) * (j - r)) / (2 * sigma * sigma));
            }
        }
        return normalised(k);
    }

    /**
     * Linear motion blur: a segment of the given length (pixels) through the centre at angle degrees
     * (0 = horizontal), rasterised by supersampling into a size×size kernel.
     */
    public static INDArray motion(int size, double length, double angleDegrees) {
        requireOddSize(size, "motion");
        if (!(length > 0) || length > size) {
            throw new IllegalArgumentException("BlurKernels.motion: length must be in (0, size=" + size + "]; got "
                    + length);
        }
        int r = size / 2;
        double[][] k = new double[size][size];
        double dx = Math.cos(Math.toRadians(angleDegrees));
        double dy = -Math.sin(Math.toRadians(angleDegrees));
        int samples = (int) Math.ceil(length * SUBSAMPLES);
        for (int s = 0; s < samples; s++) {
            double t = (s + 0.5) / samples - 0.5;
            int col = (int) Math.round(r + t * length * dx);
            int row = (int) Math.round(r + t * length * dy);
            k[Math.min(Math.max(row, 0), size - 1)][Math.min(Math.max(col, 0), size - 1)] += 1.0;
        }
        return normalised(k);
    }

    private static INDArray normalised(double[][] k) {
        double sum = 0;
        for (double[] row : k) {
            for (double v : row) {
                sum += v;
            }
        }
        return Nd4j.createFromArray(k).divi(sum);
    }

    private static void requireOddSize(int size, String which) {
        if (size <= 0 || size % 2 == 0) {
            throw new IllegalArgumentException("BlurKernels." + which + ": size must be odd and positive; got " + size);
        }
    }
}
