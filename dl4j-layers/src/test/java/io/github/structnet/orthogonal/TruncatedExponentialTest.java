package io.github.structnet.orthogonal;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The truncated-exponential bound: never below max |T_K(iλ)| over a fine grid of |λ| ≤ β (evaluated directly as a
 * complex sum), close to it for β ≤ 1 (the layer's case; dropping the negative coefficients loosens it for large β),
 * 1 at β = 0, and bad arguments refused.
 */
class TruncatedExponentialTest {

    /** |Σ_{j≤K} (iλ)^j / j!| evaluated directly. */
    private static double modulus(int terms, double lambda) {
        double re = 0;
        double im = 0;
        double power = 1;
        for (int j = 0; j <= terms; j++) {
            switch (j % 4) {
                case 0 -> re += power;
                case 1 -> im += power;
                case 2 -> re -= power;
                default -> im -= power;
            }
            power *= lambda / (j + 1);
        }
        return Math.hypot(re, im);
    }

    private static double factorial(int n) {
        double f = 1;
        for (int i = 2; i <= n; i++) {
            f *= i;
        }
        return f;
    }

    @Test
    void neverBelowTheLargestModulusAndCloseToIt() {
        for (int terms : new int[]{1, 2, 3, 6, 10, 14}) {
            for (double radius : new double[]{0.1, 0.5, 1.0, 1.5, 3.0}) {
                double largest = 0;
                for (int i = 0; i <= 20_000; i++) {
                    largest = Math.max(largest, modulus(terms, radius * i / 20_000));
                }
                double bound = TruncatedExponential.normBound(terms, radius);
                assertTrue(bound >= largest, "K " + terms + ", β " + radius + ": bound " + bound + " below "
                        + largest);
                // tight up to the size of the first neglected term (odd K can contract, where the bound says 1 + …)
                // and the bound's rounding margin
                double leading = Math.pow(radius, terms + 1) / factorial(terms + 1);
                boolean tight = bound - largest <= Math.max(3 * (largest - 1), leading) + 2e-12;
                assertTrue(radius > 1 || tight, "K " + terms + ", β " + radius + ": bound " + bound + " far above "
                        + largest);
            }
        }
        assertEquals(1.0, TruncatedExponential.normBound(10, 0.0), 2e-12);
        double tenTerms = TruncatedExponential.normBound(10, 1.0);
        assertTrue(tenTerms > 1 && tenTerms < 1 + 3e-8, "K 10, β 1: " + tenTerms);
    }

    @Test
    void badArgumentsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> TruncatedExponential.normBound(-1, 1.0));
        assertThrows(IllegalArgumentException.class, () -> TruncatedExponential.normBound(5, Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> TruncatedExponential.normBound(5, -0.5));
    }
}
