package io.github.structnet.ode;

/** A quantity a neural-ODE layer's vector field keeps constant by construction. */
public enum Invariant {
    /** No constraint: F is the network's output. */
    NONE,
    /**
     * Total mass Σᵢ xᵢ (compartment models such as SIR): the network outputs the rates rᵢⱼ of the flows between
     * compartments, and
     * <pre>
     *   Fᵢ(x) = Σ_{j≠i} (φⱼᵢ − φᵢⱼ),   φᵢⱼ = softplus(rᵢⱼ(x)) · xᵢ ≥ 0 for xᵢ ≥ 0
     * </pre>
     * so Σᵢ Fᵢ = 0 exactly: every Runge–Kutta step (a sum of such vectors) and every dense output keeps Σᵢ xᵢ up to
     * rounding, and the exact flow keeps the orthant xᵢ ≥ 0 (an empty compartment has no outflow).
     */
    MASS
}
