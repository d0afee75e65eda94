/**
 * Orthogonalisation of weight matrices, and certificates for nearly orthogonal matrices.
 * <p><b>Theorem (Björck–Bowie iteration).</b> For P = U Σ Vᵀ the step P ↦ P (3/2 I − 1/2 PᵀP) = U f(Σ) Vᵀ acts on
 * each singular value by f(s) = 3/2 s − 1/2 s³. On [0, 2] f maps into [−1, 1], with |f(s)| = 1 only at s = 1 (and
 * f(2) = −1), and on (0, √3) it drives s towards 1 (quadratically near 1). So from any P with ‖P‖₂ ≤ 2 every iterate
 * has ‖P_k‖₂ ≤ 1 in exact arithmetic, and the iterates converge to the orthogonal polar factor U Vᵀ when P has full
 * rank.
 * <p><b>Theorem (certificate of a nearly orthogonal matrix).</b> ‖Q‖₂² = ‖QᵀQ‖₂ ≤ 1 + ‖QᵀQ − I‖₂ ≤ 1 + ‖QᵀQ − I‖_F:
 * a bound within about half the orthogonality defect of 1, tighter than any Gram-iteration bound on a matrix whose
 * singular values all lie near 1 (where that bound overestimates by up to rank^{1/2^{k+2}}).
 * <p><b>Theorem (exponential of a skew-symmetric operator).</b> For A* = −A, exp(A) is orthogonal; its truncation
 * T_K(A) = Σ_{j≤K} A^j/j! is a polynomial in the normal operator A, so ‖T_K(A)‖₂ is the largest |T_K(iλ)| over the
 * spectrum iλ of A, |λ| ≤ ‖A‖₂, which exceeds 1 by about ‖A‖₂^{K+1}/(K+1)!.
 */
package io.github.structnet.orthogonal;
