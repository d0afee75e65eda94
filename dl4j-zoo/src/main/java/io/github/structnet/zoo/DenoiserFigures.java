package io.github.structnet.zoo;

import java.util.Locale;

/**
 * What a shipped denoiser scores on its held-out images (the scikit-image samples camera and coins, downscaled 2×
 * and centre-cropped to {@code size}×{@code size}, grey levels in [0, 1]) with Gaussian noise of standard deviation
 * {@code noiseLevel}/255 drawn from ND4J's generator seeded with {@code noiseSeed}, image by image. Written by the
 * command that exports the weights; a test reproduces them from the loaded weights.
 *
 * @param size         the side of the square crops
 * @param noiseLevel   the noise standard deviation in grey levels of 255
 * @param noiseSeed    the seed of ND4J's generator before the first image's noise
 * @param noisyPsnr    mean PSNR (dB) of the noisy images
 * @param denoisedPsnr mean PSNR (dB) of the denoised images
 * @param bound        the certified Lipschitz bound of the denoiser at this size, computed from the weights
 */
public record DenoiserFigures(int size, double noiseLevel, long noiseSeed, double noisyPsnr, double denoisedPsnr,
                              double bound) {

    /** "camera and coins 128×128, σ = 25/255: noisy 19.80 dB, denoised 25.81 dB, bound 1.000000". */
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "camera and coins %d×%d, σ = %.0f/255: noisy %.2f dB, denoised %.2f dB,"
                + " bound %.6f", size, size, noiseLevel, noisyPsnr, denoisedPsnr, bound);
    }
}
