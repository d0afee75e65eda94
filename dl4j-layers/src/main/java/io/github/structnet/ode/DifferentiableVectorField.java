package io.github.structnet.ode;

/**
 * A {@link FlatVectorField} F_θ(t, x) with parameters θ and its vector–Jacobian products, for backpropagation through
 * solver steps and for the adjoint equation.
 */
public interface DifferentiableVectorField extends FlatVectorField {

    /** Length of the state x. */
    int stateSize();

    /** Number of parameters θ. */
    int parameterCount();

    /**
     * The pull-back of a cotangent c at (t, x): writes (∂F/∂x)ᵀ c into {@code stateGradient} (overwriting it) and adds
     * (∂F/∂θ)ᵀ c to {@code parameterGradient}.
     */
    void pullback(double t, double[] x, double[] c, double[] stateGradient, double[] parameterGradient);
}
