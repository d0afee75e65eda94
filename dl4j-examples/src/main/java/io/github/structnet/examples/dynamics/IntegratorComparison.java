package io.github.structnet.examples.dynamics;

import io.github.structnet.examples.common.Charts;
import io.github.structnet.ode.ButcherTableau;
import io.github.structnet.ode.ImplicitMidpoint;
import io.github.structnet.ode.PhasePoint;
import io.github.structnet.ode.StormerVerlet;
import io.github.structnet.ode.VectorOps;
import org.knowm.xchart.XYChart;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.File;
import java.io.IOException;
import java.util.Locale;

/**
 * Explicit Euler, implicit midpoint and Störmer–Verlet on the harmonic oscillator over long times: Euler's energy
 * grows without bound (its orbit spirals out), the symplectic methods keep it bounded (midpoint conserves this
 * quadratic energy exactly). Writes {@code integrators-phase.png} and {@code integrators-energy.png}.
 * Usage: {@code IntegratorComparison [--quick] [--out DIR]}.
 */
public final class IntegratorComparison {

    /** Energies per step for the three methods. */
    public record Result(double h, double[][] q, double[][] p, double[][] energy, String[] names) {
        /** Relative energy change at the last step, per method. */
        public double finalRelativeEnergyError(int method) {
            double[] e = energy[method];
            return Math.abs(e[e.length - 1] - e[0]) / e[0];
        }

        public String table() {
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-18s %18s %18s%n", "integrator",
                    "max |ΔH|/H", "final |ΔH|/H"));
            for (int m = 0; m < names.length; m++) {
                double max = 0;
                for (double v : energy[m]) {
                    max = Math.max(max, Math.abs(v - energy[m][0]) / energy[m][0]);
                }
                sb.append(String.format(Locale.ROOT, "%-18s %18.3e %18.3e%n", names[m], max,
                        finalRelativeEnergyError(m)));
            }
            return sb.toString();
        }
    }

    /** Steps shown in the phase portrait (Euler's spiral leaves any window later). */
    static final int PHASE_STEPS = 300;

    private IntegratorComparison() {
    }

    public static Result run(int steps, double h) {
        HamiltonianSystem system = HamiltonianSystem.HARMONIC_OSCILLATOR;
        String[] names = {"explicit Euler", "implicit midpoint", "Störmer–Verlet"};
        double[][] q = new double[3][steps + 1];
        double[][] p = new double[3][steps + 1];
        double[][] e = new double[3][steps + 1];
        INDArray[] x = new INDArray[3];
        for (int m = 0; m < 3; m++) {
            x[m] = Nd4j.create(new double[][]{{1.0, 0.0}}).castTo(DataType.DOUBLE);
        }
        for (int k = 0; k <= steps; k++) {
            for (int m = 0; m < 3; m++) {
                q[m][k] = x[m].getDouble(0, 0);
                p[m][k] = x[m].getDouble(0, 1);
                e[m][k] = system.energy(x[m]).getDouble(0);
            }
            if (k == steps) {
                break;
            }
            x[0] = ButcherTableau.EULER.step(system.field(), 0, x[0], h, VectorOps.ND4J);
            x[1] = ImplicitMidpoint.step(system.field(), 0, x[1], h);
            PhasePoint<INDArray> z = StormerVerlet.step(system.split(),
                    new PhasePoint<>(HamiltonianSystem.column(x[2], 0), HamiltonianSystem.column(x[2], 1)), h,
                            VectorOps.ND4J);
            x[2] = Nd4j.hstack(z.q(), z.p());
        }
        return new Result(h, q, p, e, names);
    }

    public static void writePlots(Result r, File out) throws IOException {
        int shown = Math.min(r.q()[0].length, PHASE_STEPS);
        XYChart phase = Charts.chart("Harmonic oscillator, h = " + r.h() + ", first " + shown + " steps", "q", "p");
        for (int m = 0; m < 3; m++) {
            Charts.line(phase, r.names()[m], java.util.Arrays.copyOf(r.q()[m], shown), java.util.Arrays.copyOf(r.p()[m],
                    shown));
        }
        Charts.save(phase, new File(out, "integrators-phase.png"));
        XYChart energy = Charts.chart("Energy H = (q² + p²)/2 over time (log scale)", "t", "H");
        energy.getStyler().setYAxisLogarithmic(true);
        for (int m = 0; m < 3; m++) {
            Charts.line(energy, r.names()[m], Charts.times(r.energy()[m].length, r.h()), r.energy()[m]);
        }
        Charts.save(energy, new File(out, "integrators-energy.png"));
    }

    public static void main(String[] args) throws IOException {
        Charts.ExampleArgs a = Charts.parse(args, "output/integrators", "IntegratorComparison [--quick] [--out DIR]");
        Result r = run(a.quick() ? 500 : 3000, 0.1);
        System.out.print(r.table());
        writePlots(r, a.out());
        System.out.println("Wrote " + new File(a.out(), "integrators-phase.png") + " and " + new File(a.out(),
                "integrators-energy.png"));
    }
}
