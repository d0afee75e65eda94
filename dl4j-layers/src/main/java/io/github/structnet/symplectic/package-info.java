/**
 * Symplectic layers on a phase space x = (q, p).
 * <p><b>Theorem.</b> The exact time-h flow of a Hamiltonian system ẋ = 𝕁∇H(x) is symplectic: its Jacobian J
 * satisfies Jᵀ 𝕁 J = 𝕁, hence det J = 1 and ‖J‖₂ ≥ 1 (no vanishing gradients through depth). A shear
 * q ← q + ∇V(p) (or p ← p − ∇V(q)) is such a flow for any potential V, and compositions of symplectic maps are
 * symplectic; so every module here, and every network built from them, is symplectic for all weights.
 * <p>Layers: {@link GradientModule}, {@link LinearModule}, {@link ActivationModule} (SympNets),
 * {@link SymplecticConv2D}, {@link SeparableHamiltonianLayer}, {@link GeneralHamiltonianLayer}; vertices
 * {@link PhaseSpaceMergeVertex}, {@link PhaseSpaceSplitVertex}. Class names follow the mathematical objects (as in
 * {@code lipschitz}).
 */
package io.github.structnet.symplectic;
