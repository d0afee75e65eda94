package io.github.structnet.kernels;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The constants cache stays under its byte limit however many sizes arrive, and arrays handed out before it forgets
 * them stay valid; the caches' system properties refuse values that are not positive numbers.
 */
class ConstantsTest {

    @Test
    void everNewSizesNeverTakeTheCachePastItsLimit() {
        long length = 1 << 20; // 4 MiB of floats per vector
        int count = (int) (2 * Constants.DEFAULT_MAX_BYTES / (4 * length)) + 3;
        List<INDArray> handedOut = new ArrayList<>();
        long peak = 0;
        for (int i = 0; i < count; i++) {
            handedOut.add(Constants.ones(DataType.FLOAT, length + i));
            peak = Math.max(peak, Constants.bytesHeld());
        }
        assertTrue(peak <= Constants.DEFAULT_MAX_BYTES, "held " + peak + " bytes");
        for (int i = 0; i < count; i++) {
            INDArray ones = handedOut.get(i);
            assertEquals(length + i, ones.length());
            assertEquals(length + i, ones.sumNumber().doubleValue(), 0.0, "array " + i + " after the cache forgot it");
        }
        INDArray last = Constants.ones(DataType.FLOAT, length + count - 1);
        assertSame(handedOut.get(count - 1), last, "the most recent array is still held");
    }

    @Test
    void cacheLimitsMustBePositiveNumbers() {
        String property = "structnet.test.limit";
        try {
            System.setProperty(property, "0");
            assertTrue(assertThrows(IllegalArgumentException.class, () -> Limits.positiveLong(property, 7))
                    .getMessage().contains(property + " = 0; a positive number is allowed (default 7)"));
            System.setProperty(property, "lots");
            assertTrue(assertThrows(IllegalArgumentException.class, () -> Limits.positiveLong(property, 7))
                    .getMessage().contains("'lots' is not a whole number"));
            System.setProperty(property, " 12 ");
            assertEquals(12, Limits.positiveLong(property, 7));
            System.clearProperty(property);
            assertEquals(7, Limits.positiveLong(property, 7));
        } finally {
            System.clearProperty(property);
        }
    }
}
