/**
 * 1-Lipschitz layers.
 * <p><b>Theorem.</b> For σ monotone and 1-Lipschitz, the gradient-flow step x ↦ x − τ Wᵀ σ(Wx + b) is
 * 1-Lipschitz for 0 ≤ τ ≤ 2/‖W‖₂² (and averaged for τ &lt; 2/‖W‖₂²); an affine map x ↦ Wx + b is 1-Lipschitz
 * iff ‖W‖₂ ≤ 1. So π ∘ φ_L ∘ … ∘ φ_1 ∘ Q is 1-Lipschitz when the lift Q and projection π are
 * {@link io.github.structnet.lipschitz.SpectralDense} and the φ_i are
 * {@link io.github.structnet.lipschitz.GradientFlowDense}.
 * <p>Naming: the layer classes carry the names of the mathematical objects ({@code GradientFlowDense},
 * {@code SpectralDense}) rather than the {@code …Layer} suffix of the style guide: these are the names users
 * look for, and none collides with a DL4J class.
 */
package io.github.structnet.lipschitz;
