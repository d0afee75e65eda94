package io.github.structnet.ode;

/**
 * What every integrator in this package tells about itself: its name, its order r (global error O(h^r)), whether it
 * chooses its own steps (an embedded pair with an error estimate), and whether its step map is symplectic.
 * Explicit Runge–Kutta methods are {@link ButcherTableau}s; the methods for Hamiltonian systems are
 * {@link SymplecticMethod}s.
 */
public interface Integrator {

    /** Name used in messages and in the benchmark tables. */
    String name();

    /** Order r of the method (of the propagated solution, for an embedded pair). */
    int order();

    /** Whether the method carries an embedded error estimate and so can choose its own steps. */
    boolean isAdaptive();

    /** Whether one step is a symplectic map for every Hamiltonian system. */
    boolean isSymplectic();
}
