package io.github.structnet.ode;

/**
 * The right-hand side of ẋ = F(t, x) on a state stored as one flat {@code double[]} (a minibatch of states is one
 * state of the product system). What the adaptive solver and the neural-ODE layers run on.
 */
@FunctionalInterface
public interface FlatVectorField {

    /** Writes F(t, x) into {@code out} (same length as x; x is not changed). */
    void evaluate(double t, double[] x, double[] out);
}
