package io.github.structnet.ode;

import org.junit.jupiter.api.Test;

import java.util.function.DoubleUnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Runge–Kutta tableaus and the solver: each tableau's measured order (slope of log error against log h within
 * ±0.15), the dense outputs' orders, the adaptive pairs meeting their tolerance (global error within 10 × rtol:
 * Dormand–Prince on [0, 10], Bogacki–Shampine on [0, 6]; the latter's error keeps accumulating over the fast rotation
 * and reaches about 50 × rtol at t = 10, after some 55 radians and 1000 steps) with more steps where the solution is
 * fast, and clear failures.
 * <p>Test problem: a rotation at the angular speed ω(t) = 1 + 9 σ(10 (t − 5)) (slow before t = 5, fast after),
 * together with the logistic equation ẋ = x(1 − x); both have closed-form solutions.
 */
class RungeKuttaTest {

    /** State (u, v, w): (u, v) rotates at ω(t), w is logistic. */
    static final FlatVectorField FIELD = (t, x, out) -> {
        double omega = 1 + 9 / (1 + Math.exp(-10 * (t - 5)));
        out[0] = omega * x[1];
        out[1] = -omega * x[0];
        out[2] = x[2] * (1 - x[2]);
    };

    static double angle(double t) {
        return t + 0.9 * (softplus(10 * (t - 5)) - softplus(-50));
    }

    static double softplus(double z) {
        return z > 30 ? z : Math.log1p(Math.exp(z));
    }

    static double[] exact(double t) {
        double phi = angle(t);
        return new double[]{Math.cos(phi), -Math.sin(phi), 1 / (1 + 9 * Math.exp(-t))};
    }

    static double distance(double[] a, double[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    /** Least-squares slope of log error against log h. */
    static double slope(double[] hs, DoubleUnaryOperator error) {
        int n = hs.length;
        double mh = 0;
        double me = 0;
        double[] lh = new double[n];
        double[] le = new double[n];
        for (int i = 0; i < n; i++) {
            lh[i] = Math.log(hs[i]);
            le[i] = Math.log(error.applyAsDouble(hs[i]));
            mh += lh[i] / n;
            me += le[i] / n;
        }
        double num = 0;
        double den = 0;
        for (int i = 0; i < n; i++) {
            num += (lh[i] - mh) * (le[i] - me);
            den += (lh[i] - mh) * (lh[i] - mh);
        }
        return num / den;
    }

    /** Global error at t = 2 of fixed steps h of the propagated solution (slow stretch of the problem). */
    static double globalError(ButcherTableau method, double h) {
        int steps = (int) Math.round(2.0 / h);
        double[] x = exact(0);
        double[][] k = new double[method.stages()][3];
        double[] work = new double[3];
        double[] next = new double[3];
        for (int m = 0; m < steps; m++) {
            method.stages(FIELD, m * h, x, h, k, 0, work);
            ButcherTableau.combine(x, h, method.weights(), k, next);
            x = next.clone();
        }
        return distance(x, exact(steps * h));
    }

    @Test
    void everyTableauReachesItsOrder() {
        for (ButcherTableau method : ButcherTableau.all()) {
            double base = method.order() == 1 ? 0.01 : method.order() == 2 ? 0.05 : 0.2;
            double[] hs = {base, base / 2, base / 4, base / 8};
            double measured = slope(hs, h -> globalError(method, h));
            assertEquals(method.order(), measured, 0.15, method.name() + ": measured order " + measured);
        }
    }

    @Test
    void denseOutputsHaveTheirOrders() {
        for (ButcherTableau method : new ButcherTableau[]{ButcherTableau.DORMAND_PRINCE,
            ButcherTableau.BOGACKI_SHAMPINE}) {
            int denseOrder = method == ButcherTableau.DORMAND_PRINCE ? 4 : 3;
            double[] hs = {0.4, 0.2, 0.1, 0.05};
            double measured = slope(hs, h -> {
                double[] x = exact(1.0);
                double[][] k = new double[method.stages()][3];
                method.stages(FIELD, 1.0, x, h, k, 0, new double[3]);
                double worst = 0;
                for (double theta : new double[]{0.3, 0.5, 0.8}) {
                    double[] dense = new double[3];
                    ButcherTableau.combine(x, h, method.denseWeights(theta), k, dense);
                    worst = Math.max(worst, distance(dense, exact(1.0 + theta * h)));
                }
                return worst;
            });
            assertEquals(denseOrder + 1, measured, 0.3, method.name() + " dense output local order " + measured);
            double[] end = method.denseWeights(1.0);
            for (int i = 0; i < end.length; i++) {
                assertEquals(method.weight(i), end[i], 1e-15, "w(1) = b");
            }
        }
    }

    @Test
    void adaptivePairsMeetTheirToleranceAndStepFasterWhereTheSolutionIsFast() {
        double[] times = {0, 1.5, 2.25, 3.7, 5.2, 6, 8, 10};
        for (ButcherTableau method : new ButcherTableau[]{ButcherTableau.DORMAND_PRINCE,
            ButcherTableau.BOGACKI_SHAMPINE}) {
            for (double rtol : new double[]{1e-5, 1e-8}) {
                OdeSolver solver = new OdeSolver(method, StepControl.defaults().withTolerances(rtol, rtol * 1e-2),
                        "test");
                Solution solution = solver.solve(FIELD, exact(0), times, OdeSolver.NO_TAPE);
                for (int j = 0; j < times.length; j++) {
                    double error = distance(solution.output(j), exact(times[j]));
                    boolean checked = times[j] <= 6 || method == ButcherTableau.DORMAND_PRINCE;
                    assertTrue(!checked || error <= 10 * rtol, method.name() + " rtol " + rtol + ": error " + error
                            + " at t = " + times[j]);
                }
                int slow = 0;
                int fast = 0;
                for (int m = 0; m < solution.acceptedSteps(); m++) {
                    double t = solution.stepStart(m);
                    slow += t < 4 ? 1 : 0;
                    fast += t >= 6 ? 1 : 0;
                }
                assertTrue(fast > 3 * slow, method.name() + ": " + slow + " steps on [0, 4) (ω ≈ 1), " + fast
                        + " on [6, 10] (ω ≈ 10)");
            }
        }
    }

    @Test
    void fixedStepsLandOnTheRequestedTimes() {
        double[] times = {0, 0.25, 1.0, 1.05};
        OdeSolver solver = new OdeSolver(ButcherTableau.RK4, StepControl.defaults().withFixedStep(0.1), "test");
        Solution solution = solver.solve(FIELD, exact(0), times, OdeSolver.FULL_TAPE);
        assertEquals(3 + 8 + 1, solution.acceptedSteps());
        for (int j = 0; j < times.length; j++) {
            assertTrue(distance(solution.output(j), exact(times[j])) < 1e-5);
        }
        assertEquals(1.0, solution.stepStart(11));
    }

    @Test
    void backwardsInTimeRecoversTheStart() {
        OdeSolver solver = new OdeSolver(ButcherTableau.DORMAND_PRINCE, StepControl.defaults()
                .withTolerances(1e-10, 1e-12), "test");
        double[] end = solver.solve(FIELD, exact(0), new double[]{0, 3}, OdeSolver.NO_TAPE).output(1);
        double[] start = solver.solve(FIELD, end, new double[]{3, 0}, OdeSolver.NO_TAPE).output(1);
        assertTrue(distance(start, exact(0)) < 1e-8);
    }

    @Test
    void failuresNameTheLimitTimeAndStep() {
        FlatVectorField blowUp = (t, x, out) -> out[0] = x[0] * x[0];
        OdeSolver solver = new OdeSolver(ButcherTableau.DORMAND_PRINCE, StepControl.defaults(), "layer 'ode'");
        OdeSolveException e = assertThrows(OdeSolveException.class,
                () -> solver.solve(blowUp, new double[]{1}, new double[]{0, 2}, OdeSolver.NO_TAPE));
        assertTrue(e.getMessage().contains("layer 'ode'") && e.getMessage().contains("minStep")
                && e.getMessage().contains("t = 1.0") && e.getMessage().contains("h = "),
                e.getMessage());
        OdeSolver few = new OdeSolver(ButcherTableau.DORMAND_PRINCE, StepControl.defaults().withLimits(5, 0),
                "layer 'ode'");
        e = assertThrows(OdeSolveException.class,
                () -> few.solve(FIELD, exact(0), new double[]{0, 10}, OdeSolver.NO_TAPE));
        assertTrue(e.getMessage().contains("maxSteps = 5") && e.getMessage().contains("h = "), e.getMessage());
        OdeSolver fixed = new OdeSolver(ButcherTableau.RK4, StepControl.defaults().withFixedStep(0.5), "layer");
        e = assertThrows(OdeSolveException.class,
                () -> fixed.solve(blowUp, new double[]{1}, new double[]{0, 20}, OdeSolver.NO_TAPE));
        assertTrue(e.getMessage().contains("no longer finite"), e.getMessage());

        assertThrows(IllegalArgumentException.class, () -> new OdeSolver(ButcherTableau.RK4,
                StepControl.defaults().withTolerances(0, 1e-9), "layer"));
        assertThrows(IllegalArgumentException.class, () -> new OdeSolver(ButcherTableau.RK4,
                StepControl.defaults().withTolerances(1e-6, -1), "layer"));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> solver.solve(FIELD, exact(0), new double[]{0, 1, 1}, OdeSolver.NO_TAPE));
        assertTrue(bad.getMessage().contains("strictly monotone"), bad.getMessage());
        bad = assertThrows(IllegalArgumentException.class,
                () -> solver.solve(FIELD, exact(0), new double[]{0, Double.NaN}, OdeSolver.NO_TAPE));
        assertTrue(bad.getMessage().contains("NaN"), bad.getMessage());
    }
}
