package io.github.structnet.pnp;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** PSNR with the reference's peak, and SSIM's defining properties. */
class ImageQualityTest {

    @Test
    void psnrUsesThePeakOfTheReference() {
        INDArray ref = Nd4j.createFromArray(new double[]{0.2, 0.8, 0.4, 0.6}).reshape(1, 1, 2, 2);
        INDArray img = Nd4j.createFromArray(new double[]{0.3, 0.8, 0.4, 0.5}).reshape(1, 1, 2, 2);
        double mse = (0.01 + 0.01) / 4;
        assertEquals(10 * Math.log10(0.64 / mse), ImageQuality.psnr(ref, img), 1e-12);
    }

    @Test
    void ssimIsOneForEqualImagesAndFallsWithNoise() {
        Nd4j.getRandom().setSeed(1);
        INDArray ref = Nd4j.rand(DataType.DOUBLE, 1, 2, 24, 20);
        assertEquals(1.0, ImageQuality.ssim(ref, ref.dup()), 1e-12);
        double mild = ImageQuality.ssim(ref, ref.add(Nd4j.randn(DataType.DOUBLE, 1, 2, 24, 20).muli(0.05)));
        double strong = ImageQuality.ssim(ref, ref.add(Nd4j.randn(DataType.DOUBLE, 1, 2, 24, 20).muli(0.3)));
        assertTrue(mild < 1 && strong < mild, mild + " " + strong);
    }

    @Test
    void mismatchedImagesAreRefused() {
        Throwable t = assertThrows(IllegalArgumentException.class, () -> ImageQuality.psnr(
                Nd4j.zeros(DataType.DOUBLE, 1, 1, 4, 4), Nd4j.zeros(DataType.DOUBLE, 1, 3, 4, 4)));
        assertTrue(t.getMessage().contains("[1, 1, 4, 4]") && t.getMessage().contains("[1, 3, 4, 4]"), t.getMessage());
    }
}
