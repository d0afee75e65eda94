/**
 * Wasserstein-1 distances estimated with critics that are 1-Lipschitz by construction.
 * <p><b>Theorem</b> (Kantorovich–Rubinstein duality). W₁(P, Q) = sup over 1-Lipschitz f of E_P[f] − E_Q[f]. So for
 * any critic f with a certified Lipschitz bound L ≥ Lip(f), (E_P[f] − E_Q[f]) / max(1, L) ≤ W₁(P, Q): a critic
 * that is 1-Lipschitz by construction gives a certified lower bound, with no weight clipping and no gradient penalty.
 */
package io.github.structnet.wasserstein;
