package io.github.structnet.certify;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Margins, radii and certified accuracy on hand-computed logits, and soundness of the radius for a linear
 * classifier: no perturbation inside the certified radius changes the class, the worst one just outside does.
 */
class MarginCertificateTest {

    @Test
    void handComputedRadii() {
        INDArray logits = Nd4j.create(new double[][]{{3, 1, 0}, {0, 2, 2.5}, {1, 1, 0}});
        INDArray labels = Nd4j.create(new double[]{0, 2, 1});
        double[] r = MarginCertificate.radii(logits, labels, 2.0);
        double s = Math.sqrt(2) * 2;
        assertArrayEquals(new double[]{2 / s, 0.5 / s, 0}, r, 1e-12);
        assertEquals(2.0 / 3, MarginCertificate.certifiedAccuracy(r, 0.0), 1e-12,
                "ε = 0 is the clean accuracy (ties fail)");
        assertEquals(1.0 / 3, MarginCertificate.certifiedAccuracy(r, 0.5), 1e-12);
        INDArray oneHot = Nd4j.create(new double[][]{{1, 0, 0}, {0, 0, 1}, {0, 1, 0}});
        assertArrayEquals(r, MarginCertificate.radii(logits, oneHot, 2.0), 0.0);
    }

    @Test
    void radiusIsSoundAndTightForALinearClassifier() {
        // f(x) = W x with ‖W‖₂ = L; the worst perturbation moves along w_y − w_j
        Nd4j.getRandom().setSeed(4);
        INDArray w = Nd4j.randn(DataType.DOUBLE, 3, 5);
        double lip = io.github.structnet.spectral.SpectralNorm.exact(w);
        for (int trial = 0; trial < 50; trial++) {
            INDArray x = Nd4j.randn(DataType.DOUBLE, 1, 5);
            INDArray logits = x.mmul(w.transpose());
            int y = logits.argMax(1).getInt(0);
            double radius = MarginCertificate.radii(logits, Nd4j.create(new double[]{y}), lip)[0];
            for (int j = 0; j < 3; j++) {
                if (j == y) {
                    continue;
                }
                INDArray dir = w.getRow(j).sub(w.getRow(y)).reshape(1, 5);
                dir.divi(dir.norm2Number());
                int inside = x.add(dir.mul(radius * 0.999)).mmul(w.transpose()).argMax(1).getInt(0);
                assertEquals(y, inside, "class changed inside the certified radius");
            }
        }
    }

    @Test
    void badArguments() {
        INDArray logits = Nd4j.create(new double[][]{{1, 0}});
        assertThrows(IllegalArgumentException.class, () -> MarginCertificate.radii(logits, Nd4j.create(new double[]{0}),
                0));
        assertThrows(IllegalArgumentException.class, () -> MarginCertificate.radii(logits, Nd4j.create(new double[]{2}),
                1));
        assertThrows(IllegalArgumentException.class, () -> MarginCertificate.certifiedAccuracy(new double[]{1}, -0.1));
        INDArray nan = Nd4j.create(new double[][]{{Double.NaN, 0}});
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> MarginCertificate.margins(nan, Nd4j.create(new double[]{0}))).getMessage().contains("NaN"));
    }
}
