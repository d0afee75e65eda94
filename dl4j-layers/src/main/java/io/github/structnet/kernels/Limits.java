package io.github.structnet.kernels;

/** Reads the system properties that cap the kernels' caches, refusing values that are not positive numbers. */
final class Limits {

    private Limits() {
    }

    /** The property's value as a positive long, or {@code fallback} when the property is not set. */
    static long positiveLong(String property, long fallback) {
        String text = System.getProperty(property);
        if (text == null || text.isBlank()) {
            return fallback;
        }
        long value;
        try {
            value = Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("System property " + property + " = '" + text
                    + "' is not a whole number; a positive number is allowed (default " + fallback + ")", e);
        }
        if (value <= 0) {
            throw new IllegalArgumentException("System property " + property + " = " + value
                    + "; a positive number is allowed (default " + fallback + ")");
        }
        return value;
    }
}
