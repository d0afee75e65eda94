/**
 * Certificates: sound Lipschitz bounds of networks and certified robustness from margins.
 * <p><b>Theorem.</b> If f is L-Lipschitz in ℓ2 and M(x) = f_y(x) − max_{j≠y} f_j(x) &gt; √2·L·ε, then the
 * predicted class of f does not change on the ball ‖η‖₂ ≤ ε. The Lipschitz bound of a composition is at most the
 * product of the bounds of its parts; every bound used here is certified, never estimated.
 */
package io.github.structnet.certify;
