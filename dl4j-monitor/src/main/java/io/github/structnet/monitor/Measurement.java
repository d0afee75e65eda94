package io.github.structnet.monitor;

import java.util.Locale;

/**
 * One recorded value.
 *
 * @param iteration the network's iteration count when it was recorded
 * @param epoch     the network's epoch count when it was recorded
 * @param source    what it belongs to: a layer or vertex name, {@value #NETWORK}, or {@code eps=ε} for a certified
 *                  accuracy
 * @param quantity  what was measured
 * @param value     the value
 */
public record Measurement(long iteration, int epoch, String source, Quantity quantity, double value) {

    /** The source of network-wide quantities. */
    public static final String NETWORK = "network";

    /** The source of a certified accuracy at radius ε. */
    public static String radius(double epsilon) {
        return "eps=" + epsilon;
    }

    public Measurement {
        if (source == null || source.isEmpty() || source.indexOf('\n') >= 0 || source.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("Measurement: source must be a non-empty name without line breaks; got '"
                    + source + "'");
        }
        if (quantity == null) {
            throw new IllegalArgumentException("Measurement: quantity is null");
        }
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%d/%d %s %s = %s", iteration, epoch, source, quantity, value);
    }
}
