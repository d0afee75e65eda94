package io.github.structnet.ode;

/**
 * The integrators for Hamiltonian systems, behind the {@link Integrator} type: {@link SymplecticEuler} and
 * {@link StormerVerlet} for separable Hamiltonians H = K(p) + U(q), {@link ImplicitMidpoint} for any H. All three
 * are symplectic.
 */
public enum SymplecticMethod implements Integrator {
    SYMPLECTIC_EULER(1),
    STORMER_VERLET(2),
    IMPLICIT_MIDPOINT(2);

    private final int order;

    SymplecticMethod(int order) {
        this.order = order;
    }

    @Override
    public int order() {
        return order;
    }

    @Override
    public boolean isAdaptive() {
        return false;
    }

    @Override
    public boolean isSymplectic() {
        return true;
    }
}
