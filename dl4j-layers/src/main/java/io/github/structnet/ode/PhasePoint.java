package io.github.structnet.ode;

/**
 * A point (q, p) of phase space.
 *
 * @param <T> the vector type
 */
public record PhasePoint<T>(T q, T p) {
}
