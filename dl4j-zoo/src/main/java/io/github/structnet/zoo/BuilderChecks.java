package io.github.structnet.zoo;

/** Validation of the zoo models' builder values (internal): each failure names the model, the field and the value. */
final class BuilderChecks {

    private BuilderChecks() {
    }

    /** {@code value} if it is at least 1. */
    static int positive(String model, String field, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(model + ": " + field + " must be >= 1; got " + value);
        }
        return value;
    }

    /** {@code value} if it is finite and positive. */
    static double positive(String model, String field, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(model + ": " + field + " must be finite and > 0; got " + value);
        }
        return value;
    }
}
