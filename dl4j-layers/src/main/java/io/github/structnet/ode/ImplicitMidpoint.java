package io.github.structnet.ode;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The implicit midpoint rule, solved by fixed-point iteration. Order 2, symplectic for every Hamiltonian.
 * <pre>
 *   x_new = x + h F(t + h/2, (x + x_new)/2)
 * </pre>
 * The iteration x⁽ᵏ⁺¹⁾ = x + h F(t + h/2, (x + x⁽ᵏ⁾)/2) contracts when h·Lip(F)/2 &lt; 1; it stops when
 * ‖x⁽ᵏ⁺¹⁾ − x⁽ᵏ⁾‖_∞ ≤ tolerance, and throws {@link NotConvergedException} after {@code maxIterations}; its message
 * gives the ratio of the last two increments, which estimates h·Lip(F)/2 (near 1: the step is too large for the
 * field).
 *
 * @see <a href="https://doi.org/10.1007/3-540-30666-8">Hairer, Lubich, Wanner, Geometric Numerical Integration,
 * §VI.3</a>
 */
public final class ImplicitMidpoint {

    /** Default tolerance on the fixed-point increment (max norm). */
    public static final double DEFAULT_TOLERANCE = 1e-14;
    /** Default iteration cap. */
    public static final int DEFAULT_MAX_ITERATIONS = 100;

    private ImplicitMidpoint() {
    }

    /** Thrown when the fixed-point iteration does not reach the tolerance within the cap. */
    public static class NotConvergedException extends RuntimeException {
        public NotConvergedException(String message) {
            super(message);
        }
    }

    public static INDArray step(VectorField<INDArray> f, double t, INDArray x, double h) {
        return step(f, t, x, h, DEFAULT_TOLERANCE, DEFAULT_MAX_ITERATIONS);
    }

    public static INDArray step(VectorField<INDArray> f, double t, INDArray x, double h, double tolerance,
                                int maxIterations) {
        Steps.requireStep(h, "ImplicitMidpoint");
        if (!(tolerance > 0)) {
            throw new IllegalArgumentException("ImplicitMidpoint: tolerance must be positive; got " + tolerance);
        }
        if (maxIterations < 1) {
            throw new IllegalArgumentException("ImplicitMidpoint: maxIterations must be >= 1; got " + maxIterations);
        }
        INDArray next = x.add(f.apply(t, x).mul(h)); // explicit Euler predictor
        double change = Double.NaN;
        double previous = Double.POSITIVE_INFINITY;
        double ratio = Double.NaN;
        for (int k = 0; k < maxIterations; k++) {
            INDArray mid = x.add(next).muli(0.5);
            INDArray updated = x.add(f.apply(t + h / 2, mid).muli(h));
            change = updated.sub(next).normmaxNumber().doubleValue();
            next = updated;
            ratio = change / previous;
            if (change <= tolerance) {
                return next;
            }
            previous = change;
            if (!Double.isFinite(change)) {
                break;
            }
        }
        throw new NotConvergedException("ImplicitMidpoint: the fixed-point iteration did not converge in "
                + maxIterations
                + " iterations (last increment " + change + ", tolerance " + tolerance + ", step h = " + h
                + ", last increment ratio " + ratio
                + "); reduce h so that h·Lip(F)/2 < 1, or raise maxIterations");
    }
}
