/**
 * Integrators for ẋ = F(t, x) and Hamiltonian systems, written once for ND4J arrays and SameDiff variables.
 * <p><b>Theorem.</b> A one-step method of order r has global error O(h^r) on a fixed interval: explicit Euler and
 * symplectic Euler r = 1, Störmer–Verlet and implicit midpoint r = 2, RK4 r = 4. Symplectic Euler, Störmer–Verlet
 * and the implicit midpoint rule are symplectic (their step map Φ satisfies Φ′ᵀ 𝕁 Φ′ = 𝕁), so their energy error
 * stays bounded over exponentially long times instead of drifting.
 */
package io.github.structnet.ode;
