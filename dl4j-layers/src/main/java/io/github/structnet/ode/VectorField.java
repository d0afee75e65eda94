package io.github.structnet.ode;

/**
 * The right-hand side of ẋ = F(t, x).
 *
 * @param <T> the vector type
 */
@FunctionalInterface
public interface VectorField<T> {
    T apply(double t, T x);
}
