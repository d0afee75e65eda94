package io.github.structnet.orthogonal;

import io.github.structnet.kernels.Gemm;
import io.github.structnet.kernels.Vectors;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The Björck–Bowie orthogonalisation of a tall matrix and its vector–Jacobian product, with every array supplied by
 * the caller (so that a layer can keep them in reusable memory).
 * <pre>
 *   P_{k+1} = 3/2 P_k − 1/2 P_k G_k,   G_k = P_kᵀ P_k,   P ∈ ℝ^{r×c}, r ≥ c   (k = 0 … K−1)
 *   P̄_k = 3/2 P̄_{k+1} − 1/2 P̄_{k+1} G_k − 1/2 P_k (S_k + S_kᵀ),   S_k = P_kᵀ P̄_{k+1}
 * </pre>
 * The second line is the adjoint of the first: d(P PᵀP) = dP PᵀP + P dPᵀ P + P Pᵀ dP. Why the iterates never
 * expand: see the package documentation.
 * Cost per step: 2 r c² multiply–adds forward, 4 r c² backward. A wide matrix is orthogonalised as its transpose.
 */
public final class BjorckIteration {

    private static final double LINEAR = 1.5;
    private static final double CUBIC = -0.5;

    private BjorckIteration() {
    }

    /**
     * Runs the iteration from {@code iterates[0]}: fills {@code iterates[1..K]} and {@code grams[0..K−1]}, with
     * K = {@code grams.length} = {@code iterates.length − 1}. Returns {@code iterates[K]}.
     *
     * @param iterates c-order [r, c] matrices, r ≥ c; the first holds P₀
     * @param grams    c-order [c, c] matrices
     */
    public static INDArray forward(INDArray[] iterates, INDArray[] grams) {
        requireSteps(iterates, grams);
        for (int k = 0; k < grams.length; k++) {
            INDArray p = iterates[k];
            Gemm.accumulate(p, true, p, false, 1.0, 0.0, grams[k]);
            Gemm.accumulate(p, false, grams[k], false, CUBIC, LINEAR, Vectors.copy(p, iterates[k + 1]));
        }
        return iterates[grams.length];
    }

    /**
     * The gradient with respect to P₀ given {@code gradient} = ∂ℓ/∂P_K and the iterates and Grams of
     * {@link #forward}. Works in {@code gradient} and {@code work} (both [r, c]) and {@code products} ([c, c]);
     * returns whichever of the two [r, c] arrays holds ∂ℓ/∂P₀.
     */
    public static INDArray backward(INDArray[] iterates, INDArray[] grams, INDArray gradient, INDArray work,
                                    INDArray products) {
        requireSteps(iterates, grams);
        INDArray upstream = gradient;
        INDArray next = work;
        for (int k = grams.length - 1; k >= 0; k--) {
            INDArray p = iterates[k];
            Gemm.accumulate(p, true, upstream, false, 1.0, 0.0, products);                 // S = Pᵀ Ā
            Gemm.accumulate(upstream, false, grams[k], false, CUBIC, LINEAR, Vectors.copy(upstream, next));
            Gemm.accumulate(p, false, products, false, CUBIC, 1.0, next);                  // − ½ P S
            Gemm.accumulate(p, false, products, true, CUBIC, 1.0, next);                   // − ½ P Sᵀ
            INDArray swap = upstream;
            upstream = next;
            next = swap;
        }
        return upstream;
    }

    private static void requireSteps(INDArray[] iterates, INDArray[] grams) {
        if (iterates.length != grams.length + 1 || iterates[0].rows() < iterates[0].columns()) {
            throw new IllegalArgumentException("BjorckIteration: need K + 1 tall iterates and K Grams; got "
                    + iterates.length + " iterates of " + iterates[0].rows() + "×" + iterates[0].columns() + " and "
                    + grams.length + " Grams");
        }
    }
}
