package io.github.structnet.examples.dynamics;

import io.github.structnet.ode.PhasePoint;
import io.github.structnet.ode.SeparableHamiltonian;
import io.github.structnet.ode.StormerVerlet;
import io.github.structnet.ode.VectorField;
import io.github.structnet.ode.VectorOps;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The two test systems of the dynamics examples, one degree of freedom each, states as rows [q, p]:
 * the harmonic oscillator H = (q² + p²)/2 and the pendulum H = p²/2 − cos q.
 */
public enum HamiltonianSystem {
    HARMONIC_OSCILLATOR, PENDULUM;

    /** H per row, [n, 1]. */
    public INDArray energy(INDArray x) {
        INDArray q = column(x, 0);
        INDArray p = column(x, 1);
        INDArray kinetic = p.mul(p).muli(0.5);
        return this == PENDULUM ? kinetic.subi(Transforms.cos(q)) : kinetic.addi(q.mul(q).muli(0.5));
    }

    /** The split form q̇ = p, ṗ = −U′(q). */
    public SeparableHamiltonian<INDArray> split() {
        return new SeparableHamiltonian<>() {
            @Override
            public INDArray velocity(INDArray p) {
                return p.dup();
            }

            @Override
            public INDArray force(INDArray q) {
                return HamiltonianSystem.this == PENDULUM ? Transforms.sin(q).negi() : q.neg();
            }
        };
    }

    /** ẋ = 𝕁∇H as a vector field on rows [q, p]. */
    public VectorField<INDArray> field() {
        SeparableHamiltonian<INDArray> s = split();
        return (t, x) -> Nd4j.hstack(s.velocity(column(x, 1)), s.force(column(x, 0)));
    }

    /**
     * The time-h flow map, approximated by {@code substeps} Störmer–Verlet steps (error O((h/substeps)²) per unit
     * time, symplectic): the "high-accuracy symplectic integrator" that generates training data.
     */
    public INDArray flow(INDArray x, double h, int substeps) {
        PhasePoint<INDArray> z = new PhasePoint<>(column(x, 0), column(x, 1));
        for (int i = 0; i < substeps; i++) {
            z = StormerVerlet.step(split(), z, h / substeps, VectorOps.ND4J);
        }
        return Nd4j.hstack(z.q(), z.p());
    }

    /** Random states with energy in [minEnergy, maxEnergy] (q uniform in a box, p solved from H). */
    public INDArray sampleStates(int n, double minEnergy, double maxEnergy, long seed) {
        java.util.Random r = new java.util.Random(seed);
        INDArray x = Nd4j.create(DataType.DOUBLE, n, 2);
        int i = 0;
        while (i < n) {
            double e = minEnergy + (maxEnergy - minEnergy) * r.nextDouble();
            double q = (2 * r.nextDouble() - 1) * Math.PI;
            double potential = this == PENDULUM ? -Math.cos(q) : 0.5 * q * q;
            double kinetic = e - potential;
            if (kinetic < 0) {
                continue;
            }
            double p = Math.sqrt(2 * kinetic) * (r.nextBoolean() ? 1 : -1);
            x.putScalar(i, 0, q);
            x.putScalar(i, 1, p);
            i++;
        }
        return x;
    }

    static INDArray column(INDArray x, int i) {
        return x.get(NDArrayIndex.all(), NDArrayIndex.interval(i, i + 1)).dup();
    }
}
