/**
 * The corrected SameDiff runtime that every StructNet layer and vertex runs on (internal).
 * <p><b>Claim.</b> For a layer y = f(x; θ) and an incoming gradient ε = ∂L/∂y, the runtime returns exactly
 * εᵀ ∂f/∂x and εᵀ ∂f/∂θ (DL4J's stock runtime returns twice these), computed as gradients of Σ f ⊙ ε.
 * Checked by DL4J's {@code GradientCheckUtil} in double precision in the tests.
 * <p>Configurations extend {@link io.github.structnet.samediff.StructLayer} or
 * {@link io.github.structnet.samediff.StructVertex}; non-trainable state is declared through
 * {@link io.github.structnet.samediff.StructuredParameters}.
 * <p>A layer that also implements {@link io.github.structnet.samediff.DirectPass} runs its hand-written forward pass
 * and vector–Jacobian product instead of the graph (same claim, same gradient checks), with its arrays placed by
 * {@link io.github.structnet.samediff.PassMemory}: output and input gradient in DL4J's workspaces, parameter
 * gradients in the gradient views, temporaries reused across iterations.
 */
package io.github.structnet.samediff;
