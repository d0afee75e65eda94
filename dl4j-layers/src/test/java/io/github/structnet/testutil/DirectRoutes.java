package io.github.structnet.testutil;

import io.github.structnet.kernels.OneDnn;

/**
 * The direct native routes (oneDNN, OpenBLAS) in tests: switched off for a block and restored to what the run was
 * started with, so that a run with {@code -Dstructnet.oneDnn=false} (the CUDA backend's route) stays switched off
 * from the first test to the last.
 */
public final class DirectRoutes {

    private static final String AT_START = System.getProperty(OneDnn.SWITCH_PROPERTY);

    private DirectRoutes() {
    }

    /** Whether the run was started with the direct routes on (the tests of the routes themselves need them). */
    public static boolean onAtStart() {
        return !"false".equalsIgnoreCase(AT_START);
    }

    public static void switchOff() {
        System.setProperty(OneDnn.SWITCH_PROPERTY, "false");
    }

    /** Back to the run's setting. */
    public static void restore() {
        if (AT_START == null) {
            System.clearProperty(OneDnn.SWITCH_PROPERTY);
        } else {
            System.setProperty(OneDnn.SWITCH_PROPERTY, AT_START);
        }
    }
}
