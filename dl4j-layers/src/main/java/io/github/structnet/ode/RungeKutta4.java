package io.github.structnet.ode;

/**
 * The classical 4th-order explicit Runge–Kutta method. Order 4, 4 stages; not symplectic.
 * <pre>
 *   k₁ = F(t, x), k₂ = F(t + h/2, x + h k₁/2), k₃ = F(t + h/2, x + h k₂/2), k₄ = F(t + h, x + h k₃)
 *   x ← x + h (k₁ + 2k₂ + 2k₃ + k₄) / 6
 * </pre>
 *
 * @see <a href="https://doi.org/10.1007/978-3-540-78862-1">Hairer, Nørsett, Wanner, Solving ODEs I, §II.1</a>
 */
public final class RungeKutta4 {

    private RungeKutta4() {
    }

    public static <T> T step(VectorField<T> f, double t, T x, double h, VectorOps<T> ops) {
        Steps.requireStep(h, "RungeKutta4");
        T k1 = f.apply(t, x);
        T k2 = f.apply(t + h / 2, ops.axpy(x, h / 2, k1));
        T k3 = f.apply(t + h / 2, ops.axpy(x, h / 2, k2));
        T k4 = f.apply(t + h, ops.axpy(x, h, k3));
        T sum = ops.add(ops.add(k1, k4), ops.scale(ops.add(k2, k3), 2.0));
        return ops.axpy(x, h / 6, sum);
    }
}
