/**
 * Spectral norms of linear operators.
 * <p><b>Theorem (power iteration).</b> For a linear operator A and a start vector not orthogonal to the top
 * right singular vector, v_{k+1} = AᵀA v_k / ‖AᵀA v_k‖ gives ‖A v_k‖ ↑ ‖A‖₂, always from below.
 * <p><b>Theorem (Gram iteration).</b> For G₀ = WᵀW and G_{j+1} = G_j², ‖W‖₂ ≤ ‖G_k‖_F^{1/2^{k+1}}: a sound
 * upper bound that tightens geometrically in k.
 * <p>{@link io.github.structnet.spectral.PowerIteration} supplies the cheap, differentiable-direction estimate
 * layers use while training; {@link io.github.structnet.spectral.GramIteration} supplies the certificate.
 */
package io.github.structnet.spectral;
