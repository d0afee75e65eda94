package io.github.structnet.kernels;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce3.Dot;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Inner products, Euclidean norms, scaling and copies of whole arrays. Small contiguous float and double arrays (up
 * to 2¹⁸ elements) go straight to BLAS ({@code cblas_sdot}, {@code cblas_snrm2}, {@code cblas_sscal},
 * {@code cblas_scopy}), creating no ND4J array; anything else through ND4J. Same values up to rounding.
 */
public final class Vectors {

    private Vectors() {
    }

    /** ⟨x, y⟩ = Σᵢ xᵢ yᵢ over all elements; x and y must have the same length. */
    public static double dot(INDArray x, INDArray y) {
        if (x.length() != y.length()) {
            throw new IllegalArgumentException("Vectors.dot: lengths differ, " + x.length() + " and " + y.length());
        }
        double[] out = new double[1];
        if (DirectBlas.dot(x, y, out)) {
            return out[0];
        }
        return Nd4j.getExecutioner().exec(new Dot(x, y)).getDouble(0);
    }

    /** y ← x element by element in c order (x and y of equal length; shapes may differ); returns y. */
    public static INDArray copy(INDArray x, INDArray y) {
        if (x.length() != y.length()) {
            throw new IllegalArgumentException("Vectors.copy: lengths differ, " + x.length() + " and " + y.length());
        }
        if (!DirectBlas.copy(x, y)) {
            y.assign(x.reshape(y.shape()));
        }
        return y;
    }

    /** x ← α x in place over all elements; returns x. */
    public static INDArray scale(INDArray x, double alpha) {
        if (!DirectBlas.scale(x, alpha)) {
            x.muli(alpha);
        }
        return x;
    }

    /** ‖x‖₂ over all elements. */
    public static double norm2(INDArray x) {
        double[] out = new double[1];
        if (DirectBlas.norm2(x, out)) {
            return out[0];
        }
        return x.norm2Number().doubleValue();
    }
}
