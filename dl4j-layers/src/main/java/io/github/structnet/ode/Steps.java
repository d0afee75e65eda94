package io.github.structnet.ode;

/** Step-size checks shared by the integrators (internal). */
final class Steps {

    private Steps() {
    }

    static void requireStep(double h, String who) {
        if (!(h > 0) || Double.isInfinite(h)) {
            throw new IllegalArgumentException(who + ": the step size h must be positive and finite; got " + h);
        }
    }
}
