package io.github.structnet.ode;

/** The step-size check shared by the integrators and the layers that take a step h. */
public final class Steps {

    private Steps() {
    }

    /**
     * @param who names the integrator or layer in the message
     * @throws IllegalArgumentException unless 0 &lt; h &lt; ∞
     */
    public static void requireStep(double h, String who) {
        if (!(h > 0) || Double.isInfinite(h)) {
            throw new IllegalArgumentException(who + ": the step h must be positive and finite; got " + h);
        }
    }
}
