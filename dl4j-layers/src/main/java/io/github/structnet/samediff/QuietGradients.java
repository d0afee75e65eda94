package io.github.structnet.samediff;

import org.nd4j.autodiff.samediff.SameDiff;

import java.io.PrintStream;

/**
 * Builds SameDiff gradient functions without the "Added differentiated op …" line that ND4J M2.1 prints to
 * {@code System.out} for every op of every graph (about 75 lines per network start), unless
 * {@code -D}{@value #SHOW_PROPERTY}{@code =true} asks for them (internal).
 * <p>Only those lines, and only from the thread that is building a StructNet graph, are dropped: the first call wraps
 * {@code System.out} in a stream that passes everything else through unchanged.
 */
final class QuietGradients {

    /** System property that shows ND4J's per-op lines again. */
    static final String SHOW_PROPERTY = "structnet.sameDiffLog";
    private static final String NOISE = "Added differentiated op ";
    private static final ThreadLocal<Boolean> BUILDING = ThreadLocal.withInitial(() -> false);

    private QuietGradients() {
    }

    /** {@code sd.createGradFunction(inputs)}, quietly unless {@value #SHOW_PROPERTY} is true. */
    static void createGradFunction(SameDiff sd, String... inputs) {
        if (Boolean.getBoolean(SHOW_PROPERTY)) {
            sd.createGradFunction(inputs);
            return;
        }
        installFilter();
        BUILDING.set(true);
        try {
            sd.createGradFunction(inputs);
        } finally {
            BUILDING.set(false);
        }
    }

    private static synchronized void installFilter() {
        if (!(System.out instanceof Filter)) {
            System.setOut(new Filter(System.out));
        }
    }

    /** Passes every line through to the wrapped stream but ND4J's per-op lines from a thread building a graph. */
    private static final class Filter extends PrintStream {
        private final PrintStream target;

        Filter(PrintStream target) {
            super(target, true);
            this.target = target;
        }

        @Override
        public void println(String line) {
            if (BUILDING.get() && line != null && line.startsWith(NOISE)) {
                return;
            }
            target.println(line);
        }
    }
}
