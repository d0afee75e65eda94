package io.github.structnet.ode;

/** How a neural-ODE layer computes its gradients. */
public enum GradientMethod {
    /**
     * Discretise, then optimise: backpropagation through the accepted solver steps, the exact gradient of the
     * discrete solve; memory grows with the number of steps, or with the number of checkpoints.
     */
    BACKPROPAGATION,
    /**
     * Optimise, then discretise: the continuous adjoint equation solved backwards with its own tolerances; memory
     * independent of the number of steps, gradients exact up to the backward solve's tolerance.
     */
    ADJOINT
}
