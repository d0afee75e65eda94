package io.github.structnet.ode;

/** The explicit Runge–Kutta methods a layer can be configured with (each names its {@link ButcherTableau}). */
public enum RungeKuttaMethod {
    EULER(ButcherTableau.EULER),
    MIDPOINT(ButcherTableau.MIDPOINT),
    HEUN(ButcherTableau.HEUN),
    RK4(ButcherTableau.RK4),
    BOGACKI_SHAMPINE(ButcherTableau.BOGACKI_SHAMPINE),
    DORMAND_PRINCE(ButcherTableau.DORMAND_PRINCE);

    private final ButcherTableau tableau;

    RungeKuttaMethod(ButcherTableau tableau) {
        this.tableau = tableau;
    }

    public ButcherTableau tableau() {
        return tableau;
    }
}
