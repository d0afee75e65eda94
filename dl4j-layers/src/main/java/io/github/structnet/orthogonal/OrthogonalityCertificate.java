package io.github.structnet.orthogonal;

import io.github.structnet.spectral.GramIteration;
import org.nd4j.common.base.Preconditions;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A sound upper bound of ‖Q‖₂ that is tight when Q is nearly orthogonal (Q has orthonormal columns or rows up to
 * rounding).
 * <pre>
 *   ‖Q‖₂ ≤ min( √(1 + ‖E‖_F + δ),  B(Q) ),   E = fl(G) − I,   G = QᵀQ (or Q Qᵀ, the smaller)
 * </pre>
 * with B the {@link GramIteration} bound after {@value #SQUARINGS} squarings (overestimate at most
 * rank^{1/2^{26}}, 1 + 10⁻⁷ for rank 1024; taken only when the first term is not already within 10⁻⁴ of 1). The Gram
 * matrix is formed in double precision from the exact float values; δ = 1.01 (n + 2) 2⁻⁵³ (‖Q‖_F² + m) covers the
 * rounding of its n-term inner products (|fl(G) − G| ≤ γ_n |Q|ᵀ|Q| entrywise, whose Frobenius norm is at most
 * γ_n ‖Q‖_F²) and of the subtraction of I (m = size of G); the result is widened by
 * {@link GramIteration#ROUNDING_MARGIN}.
 */
public final class OrthogonalityCertificate {

    private static final double UNIT_ROUNDOFF = Math.ulp(1.0) / 2;
    private static final double NEAR_ONE = 1e-4;
    /** Gram-iteration squarings of the fallback bound. */
    public static final int SQUARINGS = 24;

    private OrthogonalityCertificate() {
    }

    /**
     * A sound upper bound of ‖Q‖₂ for a rank-2 matrix (any data type).
     *
     * @throws IllegalArgumentException for non-finite entries
     */
    public static double upperBound(INDArray q) {
        Preconditions.checkArgument(q != null && q.rank() == 2, "OrthogonalityCertificate needs a rank-2 matrix;"
                + " got %s", q == null ? null : q.shapeInfoToString());
        INDArray d = q.castTo(DataType.DOUBLE);
        double frobeniusSquared = d.norm2Number().doubleValue();
        frobeniusSquared *= frobeniusSquared;
        Preconditions.checkArgument(Double.isFinite(frobeniusSquared),
                "OrthogonalityCertificate: the matrix contains NaN or infinite values");
        boolean tall = d.rows() >= d.columns();
        long inner = tall ? d.rows() : d.columns();
        long size = tall ? d.columns() : d.rows();
        INDArray defect = tall ? d.transpose().mmul(d) : d.mmul(d.transpose());
        defect.subi(Nd4j.eye(size).castTo(DataType.DOUBLE));
        double rounding = 1.01 * (inner + 2) * UNIT_ROUNDOFF * (frobeniusSquared + size);
        double defectNorm = defect.norm2Number().doubleValue() * (1.0 + GramIteration.ROUNDING_MARGIN);
        double viaDefect = Math.sqrt(1.0 + defectNorm + rounding) * (1.0 + GramIteration.ROUNDING_MARGIN);
        if (viaDefect <= 1.0 + NEAR_ONE) {
            return viaDefect;
        }
        return Math.min(viaDefect, GramIteration.upperBound(d, SQUARINGS));
    }
}
