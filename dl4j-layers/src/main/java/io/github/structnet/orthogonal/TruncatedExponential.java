package io.github.structnet.orthogonal;

/**
 * The norm of the truncated exponential series of a skew-symmetric operator.
 * <pre>
 *   T_K(A) = Σ_{j=0}^{K} A^j / j!,   A* = −A,   ‖A‖₂ ≤ β
 *   ‖T_K(A)‖₂² = max_λ |T_K(iλ)|² ≤ 1 + Σ_{m=K+1}^{2K} max(c_m, 0) β^m,   c_m = Σ_{j+l=m; j,l≤K} i^{j−l} / (j! l!)
 * </pre>
 * T_K(A) is a polynomial in a normal operator whose eigenvalues iλ are imaginary with |λ| ≤ β, so its norm is the
 * largest |T_K(iλ)|. Expanding |T_K(iλ)|² = T_K(iλ) T_K(−iλ) gives the polynomial Σ c_m λ^m, whose coefficients up to
 * degree K are those of |e^{iλ}|² = 1 (so c₀ = 1 and c₁ … c_K = 0) and whose odd coefficients vanish; dropping the
 * negative terms and raising λ to β bounds the rest. For β ≤ 1 (normalised layers) the excess is about
 * β^{K+1}/(K+1)!: 1.7·10⁻⁴ for K = 6 and β = 1, 2.3·10⁻⁸ for K = 10; for large β the dropped terms make it loose.
 */
public final class TruncatedExponential {

    /** Relative widening for the rounding of the double-precision sums. */
    private static final double ROUNDING_MARGIN = 1e-12;
    /** Relative error allowed for each coefficient's sum of products of reciprocal factorials. */
    private static final double SUM_ROUNDING = 1e-14;

    private TruncatedExponential() {
    }

    /**
     * A sound upper bound of ‖T_K(A)‖₂ over all skew-symmetric A with ‖A‖₂ ≤ {@code radius}.
     *
     * @param terms  K ≥ 0, the highest power kept
     * @param radius β ≥ 0
     * @throws IllegalArgumentException for a negative K or a negative or non-finite β
     */
    public static double normBound(int terms, double radius) {
        if (terms < 0 || !(radius >= 0) || Double.isInfinite(radius)) {
            throw new IllegalArgumentException("TruncatedExponential: need terms >= 0 and a finite radius >= 0; got "
                    + terms + " and " + radius);
        }
        double[] inverseFactorial = new double[terms + 1];
        inverseFactorial[0] = 1.0;
        for (int j = 1; j <= terms; j++) {
            inverseFactorial[j] = inverseFactorial[j - 1] / j;
        }
        double excess = 0.0;
        for (int m = terms + 1; m <= 2 * terms; m += 1) {
            if (m % 2 == 1) {
                continue;                                       // i^{j−l} + i^{l−j} = 0 for odd j − l
            }
            double c = 0.0;
            double magnitude = 0.0;
            for (int j = m - terms; j <= terms; j++) {
                int l = m - j;
                double term = inverseFactorial[j] * inverseFactorial[l];
                c += (j - l) / 2 % 2 == 0 ? term : -term;
                magnitude += term;
            }
            double upper = c + SUM_ROUNDING * magnitude;        // covers the rounding of the sum and the factorials
            if (upper > 0) {
                excess += upper * Math.pow(radius, m);
            }
        }
        return Math.sqrt(1.0 + excess) * (1.0 + ROUNDING_MARGIN);
    }
}
