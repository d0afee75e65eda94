package io.github.structnet.kernels;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Frees the native memory of temporary arrays at once (internal). ND4J arrays created outside workspaces are freed
 * only when the garbage collector finds them; the Java heap hardly grows meanwhile, so off-heap memory climbs to
 * JavaCPP's limit, where every allocation waits for a forced collection. Releasing each step's temporaries keeps
 * resident memory flat and the step time free of those waits.
 */
public final class Release {

    private Release() {
    }

    /** Closes every array that can be closed (not a view, not in a workspace, not already closed); skips nulls. */
    public static void all(INDArray... arrays) {
        for (INDArray a : arrays) {
            if (a != null && !a.wasClosed() && a.closeable()) {
                a.close();
            }
        }
    }
}
