package io.github.structnet.kernels;

/** Closing native objects (JavaCPP pointers, plans) that this package owns. */
final class Native {

    private Native() {
    }

    /** Closes each non-null object in order. */
    static void close(AutoCloseable... objects) {
        for (AutoCloseable o : objects) {
            if (o != null) {
                try {
                    o.close();
                } catch (Exception e) {
                    throw new IllegalStateException("StructNet kernels: cannot free a native object "
                            + o.getClass().getSimpleName(), e);
                }
            }
        }
    }
}
