package io.github.structnet.ode;

/**
 * Symplectic Euler for separable Hamiltonians. Order 1, symplectic.
 * <pre>
 *   p ← p − h ∂U/∂q(q),   q ← q + h ∂K/∂p(p_new)
 * </pre>
 *
 * @see <a href="https://doi.org/10.1007/3-540-30666-8">Hairer, Lubich, Wanner, Geometric Numerical Integration,
 * §I.1.2</a>
 */
public final class SymplecticEuler {

    private SymplecticEuler() {
    }

    public static <T> PhasePoint<T> step(SeparableHamiltonian<T> h, PhasePoint<T> x, double dt, VectorOps<T> ops) {
        Steps.requireStep(dt, "SymplecticEuler");
        T p = ops.axpy(x.p(), dt, h.force(x.q()));
        T q = ops.axpy(x.q(), dt, h.velocity(p));
        return new PhasePoint<>(q, p);
    }
}
