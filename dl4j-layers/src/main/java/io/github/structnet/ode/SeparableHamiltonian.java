package io.github.structnet.ode;

/**
 * A separable Hamiltonian system H(q, p) = K(p) + U(q): q̇ = ∂K/∂p, ṗ = −∂U/∂q.
 *
 * @param <T> the vector type
 */
public interface SeparableHamiltonian<T> {

    /** q̇ = ∂K/∂p. */
    T velocity(T p);

    /** ṗ = −∂U/∂q. */
    T force(T q);
}
