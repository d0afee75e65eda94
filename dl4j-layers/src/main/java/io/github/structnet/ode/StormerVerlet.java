package io.github.structnet.ode;

/**
 * Störmer–Verlet (leapfrog) for separable Hamiltonians. Order 2, symplectic, symmetric.
 * <pre>
 *   p_½ = p − (h/2) ∂U/∂q(q),   q ← q + h ∂K/∂p(p_½),   p ← p_½ − (h/2) ∂U/∂q(q_new)
 * </pre>
 *
 * @see <a href="https://doi.org/10.1007/3-540-30666-8">Hairer, Lubich, Wanner, Geometric Numerical Integration,
 * §I.1.4</a>
 */
public final class StormerVerlet {

    private StormerVerlet() {
    }

    public static <T> PhasePoint<T> step(SeparableHamiltonian<T> h, PhasePoint<T> x, double dt, VectorOps<T> ops) {
        Steps.requireStep(dt, "StormerVerlet");
        T half = ops.axpy(x.p(), dt / 2, h.force(x.q()));
        T q = ops.axpy(x.q(), dt, h.velocity(half));
        T p = ops.axpy(half, dt / 2, h.force(q));
        return new PhasePoint<>(q, p);
    }
}
