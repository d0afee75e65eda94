package io.github.structnet.ode;

/** Explicit Euler: x ← x + h F(t, x). Order 1, 1 stage; not symplectic (energy grows on oscillators). */
public final class ExplicitEuler {

    private ExplicitEuler() {
    }

    public static <T> T step(VectorField<T> f, double t, T x, double h, VectorOps<T> ops) {
        Steps.requireStep(h, "ExplicitEuler");
        return ops.axpy(x, h, f.apply(t, x));
    }
}
