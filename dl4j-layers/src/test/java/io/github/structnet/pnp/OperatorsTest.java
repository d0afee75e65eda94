package io.github.structnet.pnp;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Forward operators: exact adjoints (dot-product test), sound and tight operator norms, clear refusals. */
class OperatorsTest {

    private static double dot(INDArray a, INDArray b) {
        return a.mul(b).sumNumber().doubleValue();
    }

    private static List<ImageOperator> operators() {
        Nd4j.getRandom().setSeed(3);
        INDArray random = Nd4j.rand(DataType.DOUBLE, 5, 5);
        return List.of(
                new BlurOperator(BlurKernels.motion(9, 7, 30), 2, 13, 11),
                new BlurOperator(BlurKernels.gaussian(5, 1.2), 1, 10, 12),
                new BlurOperator(random.sub(0.5), 3, 7, 8),
                MaskOperator.random(2, 9, 10, 0.4, 11),
                new IdentityOperator(3, 6, 5));
    }

    @Test
    void everyOperatorHasAnExactAdjoint() {
        for (ImageOperator op : operators()) {
            INDArray x = Nd4j.randn(DataType.DOUBLE, op.imageShape());
            INDArray y = Nd4j.randn(DataType.DOUBLE, op.imageShape());
            double lhs = dot(op.apply(x), y);
            double rhs = dot(x, op.adjoint(y));
            assertEquals(lhs, rhs, 1e-10 * Math.max(1, Math.abs(lhs)), op.describe());
        }
    }

    @Test
    void blurNormBoundIsSoundAndTight() {
        for (ImageOperator op : operators()) {
            if (op instanceof BlurOperator blur) {
                double exact = blur.exactNorm();
                assertTrue(blur.normBound() >= exact, blur.describe() + " bound " + blur.normBound() + " < " + exact);
                assertTrue(blur.normBound() <= 1.3 * exact, blur.describe() + " bound " + blur.normBound() + " vs "
                        + exact);
            }
        }
        // 32×32 (C·H·W = 1024): the certificate is the exact norm of the zero-padded operator, with a 1e-8 margin
        BlurOperator small = new BlurOperator(BlurKernels.motion(9, 7, 30), 1, 32, 32);
        assertTrue(small.normBound() >= small.exactNorm() && small.normBound() <= small.exactNorm() * (1 + 1e-7),
                "bound " + small.normBound() + ", exact " + small.exactNorm());
        // 64×64: the Fourier bound
        BlurOperator motion = new BlurOperator(BlurKernels.motion(9, 7, 30), 1, 64, 64);
        assertTrue(motion.normBound() <= 1.001, "a normalised non-negative kernel has norm <= 1; the bound adds"
                + " only the Gram-iteration factor: " + motion.normBound());
        assertTrue(motion.normBound() >= 0.99, "and close to 1 on a large image: " + motion.normBound());
    }

    @Test
    void maskAndIdentityNormsAreExact() {
        assertEquals(1.0, MaskOperator.random(1, 4, 4, 0.5, 1).normBound());
        assertEquals(0.0, MaskOperator.random(1, 4, 4, 0.0, 1).normBound());
        assertEquals(1.0, new IdentityOperator(1, 3, 3).normBound());
    }

    @Test
    void kernelsAreNormalisedAndNonNegative() {
        for (INDArray k : List.of(BlurKernels.motion(9, 9, 0), BlurKernels.motion(7, 5, 45), BlurKernels.gaussian(7,
                2))) {
            assertEquals(1.0, k.sumNumber().doubleValue(), 1e-12);
            assertTrue(k.minNumber().doubleValue() >= 0);
        }
        INDArray horizontal = BlurKernels.motion(9, 9, 0);
        assertEquals(1.0, horizontal.getRow(4).sumNumber().doubleValue(), 1e-12,
                "a horizontal segment on the centre row");
    }

    @Test
    void badInputIsRefusedWithClearMessages() {
        BlurOperator blur = new BlurOperator(BlurKernels.gaussian(3, 1), 1, 8, 8);
        Throwable shape = assertThrows(IllegalArgumentException.class,
                () -> blur.apply(Nd4j.zeros(DataType.DOUBLE, 1, 3, 8, 8)));
        assertTrue(shape.getMessage().contains("BlurOperator(3x3, 1x8x8)") && shape.getMessage()
                .contains("[1, 3, 8, 8]"),
                shape.getMessage());
        INDArray nan = Nd4j.zeros(DataType.DOUBLE, 1, 1, 8, 8);
        nan.putScalar(new long[]{0, 0, 2, 3}, Double.NaN);
        Throwable pixel = assertThrows(IllegalArgumentException.class, () -> blur.apply(nan));
        assertTrue(pixel.getMessage().contains("NaN") && pixel.getMessage().contains("index 19"), pixel.getMessage());
        Throwable even = assertThrows(IllegalArgumentException.class,
                () -> new BlurOperator(Nd4j.ones(DataType.DOUBLE, 4, 4), 1, 8, 8));
        assertTrue(even.getMessage().contains("odd"), even.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new MaskOperator(Nd4j.ones(DataType.DOUBLE, 1, 1, 3, 3)
                .muli(0.5)));
        assertThrows(IllegalArgumentException.class, () -> BlurKernels.motion(9, 12, 0));
        assertThrows(IllegalArgumentException.class, () -> new IdentityOperator(0, 3, 3));
    }
}
