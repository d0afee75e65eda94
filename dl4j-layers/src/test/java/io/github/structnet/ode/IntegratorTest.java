package io.github.structnet.ode;

import io.github.structnet.certify.Symplecticity;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Convergence orders on the harmonic oscillator (exact solution q = cos t, p = −sin t): the slope of log error
 * against log h is within ±0.15 of 1 (explicit and symplectic Euler), 2 (Störmer–Verlet, implicit midpoint) and
 * 4 (RK4). Symplecticity of one step of the symplectic integrators on the nonlinear pendulum (and not of
 * explicit Euler or RK4). Bad step sizes and non-converging implicit solves are refused.
 */
class IntegratorTest {

    /** Harmonic oscillator H = (q² + p²)/2 on batched rows [q, p]. */
    static final VectorField<INDArray> OSCILLATOR = (t, x) -> Nd4j.hstack(col(x, 1), col(x, 0).neg());
    static final SeparableHamiltonian<INDArray> OSCILLATOR_SPLIT = new SeparableHamiltonian<>() {
        public INDArray velocity(INDArray p) { return p.dup(); }
        public INDArray force(INDArray q) { return q.neg(); }
    };
    /** Pendulum H = p²/2 − cos q. */
    static final VectorField<INDArray> PENDULUM = (t, x) -> Nd4j.hstack(col(x, 1), Transforms.sin(col(x, 0)).neg());
    static final SeparableHamiltonian<INDArray> PENDULUM_SPLIT = new SeparableHamiltonian<>() {
        public INDArray velocity(INDArray p) { return p.dup(); }
        public INDArray force(INDArray q) { return Transforms.sin(q).neg(); }
    };

    static INDArray col(INDArray x, int i) {
        return x.get(NDArrayIndex.all(), NDArrayIndex.interval(i, i + 1)).dup();
    }

    static INDArray separableStep(boolean verlet, SeparableHamiltonian<INDArray> h, INDArray x, double dt) {
        PhasePoint<INDArray> z = new PhasePoint<>(col(x, 0), col(x, 1));
        z = verlet ? StormerVerlet.step(h, z, dt, VectorOps.ND4J) : SymplecticEuler.step(h, z, dt, VectorOps.ND4J);
        return Nd4j.hstack(z.q(), z.p());
    }

    interface Stepper {
        INDArray step(INDArray x, double h);
    }

    static double slope(Stepper stepper) {
        double[] hs = {0.1, 0.05, 0.025, 0.0125};
        double[] logH = new double[hs.length];
        double[] logE = new double[hs.length];
        double t = 1.0;
        for (int i = 0; i < hs.length; i++) {
            INDArray x = Nd4j.create(new double[][]{{1.0, 0.0}});
            int n = (int) Math.round(t / hs[i]);
            for (int k = 0; k < n; k++) {
                x = stepper.step(x, hs[i]);
            }
            INDArray exact = Nd4j.create(new double[][]{{Math.cos(t), -Math.sin(t)}});
            logH[i] = Math.log(hs[i]);
            logE[i] = Math.log(x.sub(exact).norm2Number().doubleValue());
        }
        double mh = 0, me = 0;
        for (int i = 0; i < hs.length; i++) {
            mh += logH[i] / hs.length;
            me += logE[i] / hs.length;
        }
        double num = 0, den = 0;
        for (int i = 0; i < hs.length; i++) {
            num += (logH[i] - mh) * (logE[i] - me);
            den += (logH[i] - mh) * (logH[i] - mh);
        }
        return num / den;
    }

    @Test
    void ordersOfConvergence() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        assertEquals(1.0, slope((x, h) -> ButcherTableau.EULER.step(OSCILLATOR, 0, x, h, VectorOps.ND4J)), 0.15,
                "explicit Euler");
        assertEquals(1.0, slope((x, h) -> separableStep(false, OSCILLATOR_SPLIT, x, h)), 0.15, "symplectic Euler");
        assertEquals(2.0, slope((x, h) -> separableStep(true, OSCILLATOR_SPLIT, x, h)), 0.15, "Störmer–Verlet");
        assertEquals(2.0, slope((x, h) -> ImplicitMidpoint.step(OSCILLATOR, 0, x, h)), 0.15, "implicit midpoint");
        assertEquals(4.0, slope((x, h) -> ButcherTableau.RK4.step(OSCILLATOR, 0, x, h, VectorOps.ND4J)), 0.15, "RK4");
    }

    @Test
    void symplecticStepsOnThePendulum() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        Nd4j.getRandom().setSeed(3);
        for (int trial = 0; trial < 5; trial++) {
            INDArray x = Nd4j.randn(DataType.DOUBLE, 1, 2);
            UnaryOperator<INDArray> euler = in -> separableStep(false, PENDULUM_SPLIT, in, 0.3);
            UnaryOperator<INDArray> verlet = in -> separableStep(true, PENDULUM_SPLIT, in, 0.3);
            UnaryOperator<INDArray> midpoint = in -> ImplicitMidpoint.step(PENDULUM, 0, in, 0.3);
            assertTrue(Symplecticity.defect(euler, x) <= 1e-10, "symplectic Euler");
            assertTrue(Symplecticity.defect(verlet, x) <= 1e-10, "Störmer–Verlet");
            assertTrue(Symplecticity.defect(midpoint, x) <= 1e-10, "implicit midpoint");
            assertTrue(Symplecticity.defect(in -> ButcherTableau.EULER.step(PENDULUM, 0, in, 0.3, VectorOps.ND4J),
                    x) > 1e-3,
                    "explicit Euler is not symplectic");
            assertTrue(Symplecticity.defect(in -> ButcherTableau.RK4.step(PENDULUM, 0, in, 1.0, VectorOps.ND4J),
                    x) > 1e-5,
                    "RK4 is not symplectic");
        }
    }

    @Test
    void badStepsAndNonConvergingSolves() {
        INDArray x = Nd4j.create(new double[][]{{1.0, 0.0}});
        for (double h : new double[]{0, -0.1, Double.NaN, Double.POSITIVE_INFINITY}) {
            String msg = assertThrows(IllegalArgumentException.class,
                    () -> ButcherTableau.RK4.step(OSCILLATOR, 0, x, h, VectorOps.ND4J)).getMessage();
            assertTrue(msg.contains("RK4") && msg.contains("positive"), msg);
        }
        assertThrows(IllegalArgumentException.class, () -> StormerVerlet.step(OSCILLATOR_SPLIT,
                new PhasePoint<>(col(x, 0), col(x, 1)), -1, VectorOps.ND4J));
        // h·Lip/2 = 5 > 1: the fixed-point iteration diverges
        String msg = assertThrows(ImplicitMidpoint.NotConvergedException.class,
                () -> ImplicitMidpoint.step(OSCILLATOR, 0, x, 10.0, 1e-12, 50)).getMessage();
        assertTrue(msg.contains("did not converge") && msg.contains("h = 10.0") && msg.contains("increment ratio"),
                msg);
    }
}
