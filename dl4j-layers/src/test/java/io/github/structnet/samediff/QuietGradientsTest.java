package io.github.structnet.samediff;

import io.github.structnet.ode.EulerResidual;
import io.github.structnet.testutil.Nets;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Building a StructNet layer's SameDiff graph prints none of ND4J's "Added differentiated op" lines by default, lets
 * every other line through, and prints them again with {@code -Dstructnet.sameDiffLog=true}.
 */
class QuietGradientsTest {

    @Test
    void graphsAreBuiltQuietlyAndOtherLinesPassThrough() {
        String out = console(() -> {
            runGraphOnce();
            System.out.println("a line of the user's");
        });
        assertFalse(out.contains("Added differentiated op"), out);
        assertTrue(out.contains("a line of the user's"), out);
    }

    @Test
    void theSwitchShowsNd4jsLinesAgain() {
        System.setProperty(QuietGradients.SHOW_PROPERTY, "true");
        try {
            String out = console(QuietGradientsTest::runGraphOnce);
            assertTrue(out.contains("Added differentiated op"), out);
        } finally {
            System.clearProperty(QuietGradients.SHOW_PROPERTY);
        }
    }

    /** A forward pass of a network whose layer runs its SameDiff graph (a new graph each time; no direct pass). */
    private static void runGraphOnce() {
        MultiLayerNetwork net = Nets.stack(InputType.feedForward(4), 1, new EulerResidual.Builder().width(3).build());
        net.output(Nd4j.randn(DataType.DOUBLE, 2, 4));
    }

    private static String console(Runnable work) {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            work.run();
        } finally {
            System.setOut(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }
}
