package io.github.structnet.pnp;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/** Image quality against a reference: PSNR and SSIM. */
public final class ImageQuality {

    private static final int SSIM_WINDOW = 11;
    private static final double SSIM_SIGMA = 1.5;
    private static final double K1 = 0.01;
    private static final double K2 = 0.03;

    private ImageQuality() {
    }

    /**
     * PSNR = 10 log₁₀(peak² / MSE) in dB, with peak = max of the reference image (the seed's definition), MSE over
     * all pixels and channels. +∞ for identical images.
     */
    public static double psnr(INDArray reference, INDArray image) {
        requireSameShape(reference, image, "psnr");
        double[] x = Images.values(reference);
        double[] y = Images.values(image);
        double peak = Double.NEGATIVE_INFINITY;
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            peak = Math.max(peak, x[i]);
            sum += (x[i] - y[i]) * (x[i] - y[i]);
        }
        return 10 * Math.log10(peak * peak / (sum / x.length));
    }

    /**
     * Mean SSIM (Wang et al. 2004): 11×11 Gaussian window (σ = 1.5), K₁ = 0.01, K₂ = 0.03, dynamic range the
     * reference's peak, averaged over the positions where the window fits and over channels.
     */
    public static double ssim(INDArray reference, INDArray image) {
        requireSameShape(reference, image, "ssim");
        long c = reference.size(1);
        int h = (int) reference.size(2);
        int w = (int) reference.size(3);
        if (h < SSIM_WINDOW || w < SSIM_WINDOW) {
            throw new IllegalArgumentException("ImageQuality.ssim: images must be at least " + SSIM_WINDOW + "x"
                    + SSIM_WINDOW + "; got " + h + "x" + w);
        }
        double[] x = Images.values(reference);
        double[] y = Images.values(image);
        double peak = Arrays.stream(x).max().orElse(1.0);
        double c1 = Math.pow(K1 * peak, 2);
        double c2 = Math.pow(K2 * peak, 2);
        double[] g = gaussian();
        double total = 0;
        int count = 0;
        for (int ch = 0; ch < c; ch++) {
            int off = ch * h * w;
            double[] mx = filter(x, off, h, w, g, null, 0);
            double[] my = filter(y, off, h, w, g, null, 0);
            double[] sxx = filter(x, off, h, w, g, x, off);
            double[] syy = filter(y, off, h, w, g, y, off);
            double[] sxy = filter(x, off, h, w, g, y, off);
            for (int i = 0; i < mx.length; i++) {
                double vx = sxx[i] - mx[i] * mx[i];
                double vy = syy[i] - my[i] * my[i];
                double cxy = sxy[i] - mx[i] * my[i];
                total += (2 * mx[i] * my[i] + c1) * (2 * cxy + c2)
                        / ((mx[i] * mx[i] + my[i] * my[i] + c1) * (vx + vy + c2));
                count++;
            }
        }
        return total / count;
    }

    /** Valid-region separable Gaussian filtering of a (or of a·b when b is given). */
    private static double[] filter(double[] a, int offA, int h, int w, double[] g, double[] b, int offB) {
        int n = g.length;
        int oh = h - n + 1;
        int ow = w - n + 1;
        double[] rows = new double[h * ow];
        for (int i = 0; i < h; i++) {
            for (int j = 0; j < ow; j++) {
                double s = 0;
                for (int t = 0; t < n; t++) {
                    int p = i * w + j + t;
                    s += g[t] * a[offA + p] * (b == null ? 1.0 : b[offB + p]);
                }
                rows[i * ow + j] = s;
            }
        }
        double[] out = new double[oh * ow];
        for (int i = 0; i < oh; i++) {
            for (int j = 0; j < ow; j++) {
                double s = 0;
                for (int t = 0; t < n; t++) {
                    s += g[t] * rows[(i + t) * ow + j];
                }
                out[i * ow + j] = s;
            }
        }
        return out;
    }

    private static double[] gaussian() {
        double[] g = new double[SSIM_WINDOW];
        double sum = 0;
        int r = SSIM_WINDOW / 2;
        for (int i = 0; i < SSIM_WINDOW; i++) {
            g[i] = Math.exp(-(i - r) * (i - r) / (2 * SSIM_SIGMA * SSIM_SIGMA));
            sum += g[i];
        }
        for (int i = 0; i < SSIM_WINDOW; i++) {
            g[i] /= sum;
        }
        return g;
    }

    private static void requireSameShape(INDArray reference, INDArray image, String what) {
        if (reference == null || image == null || !Arrays.equals(reference.shape(), image.shape())
                || reference.rank() != 4) {
            throw new IllegalArgumentException("ImageQuality." + what
                    + ": reference and image must both be [1, C, H, W] of the same shape; got " + (reference == null
                            ? null : Arrays.toString(reference.shape()))
                    + " and " + (image == null ? null : Arrays.toString(image.shape())));
        }
        Images.requireFinite(reference, "ImageQuality." + what, "reference");
        Images.requireFinite(image, "ImageQuality." + what, "image");
    }
}
