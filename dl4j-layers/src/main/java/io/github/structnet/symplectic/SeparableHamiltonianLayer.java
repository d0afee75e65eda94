package io.github.structnet.symplectic;

import io.github.structnet.ode.PhasePoint;
import io.github.structnet.ode.SeparableHamiltonian;
import io.github.structnet.ode.StormerVerlet;
import io.github.structnet.ode.SymplecticEuler;
import io.github.structnet.ode.SymplecticMethod;
import io.github.structnet.ode.VectorOps;
import lombok.Data;
import lombok.EqualsAndHashCode;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

/**
 * A learned separable Hamiltonian H(q, p) = T(p) + U(q), integrated over {@code steps} steps of size h by a
 * symplectic method.
 * <pre>
 *   T(p) = u_Tᵀ γ(A_T p + a_T),   U(q) = u_Uᵀ γ(A_U q + a_U)      (one hidden layer each, width m)
 *   q̇ = ∇T(p),  ṗ = −∇U(q),   gradients in closed form ({@link ScalarPotential})
 * </pre>
 * <b>Guarantee.</b> Symplectic Euler and Störmer–Verlet are symplectic for every separable H: the layer's
 * Jacobian satisfies Jᵀ 𝕁 J = 𝕁 for any weights. Energy of the learned H is conserved up to O(h^r) without drift.
 * <p>Shapes: input/output [mb, 2n]; A_T, A_U [m, n]; a, u [1, m]. The step h is a fixed setting.
 *
 * @see <a href="https://arxiv.org/abs/1906.01563">Greydanus, Dzamba, Yosinski 2019, Hamiltonian neural networks</a>
 */
@Data
@EqualsAndHashCode(callSuper = true)
public class SeparableHamiltonianLayer extends AbstractHamiltonianLayer {

    private SymplecticMethod integrator;

    private SeparableHamiltonianLayer() {
        // for Jackson
    }

    private SeparableHamiltonianLayer(Builder b) {
        super(b);
        this.integrator = b.integrator;
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> p, SDVariable mask) {
        SeparableHamiltonian<SDVariable> system = new SeparableHamiltonian<>() {
            @Override
            public SDVariable velocity(SDVariable mom) {
                return potential.gradient(sd, mom, p.get("AT"), p.get("aT"), p.get("uT"));
            }

            @Override
            public SDVariable force(SDVariable q) {
                return potential.gradient(sd, q, p.get("AU"), p.get("aU"), p.get("uU")).neg();
            }
        };
        PhasePoint<SDVariable> z = new PhasePoint<>(q(x), p(x));
        for (int i = 0; i < steps; i++) {
            z = integrator == SymplecticMethod.STORMER_VERLET ? StormerVerlet.step(system, z, step, VectorOps.SAMEDIFF)
                    : SymplecticEuler.step(system, z, step, VectorOps.SAMEDIFF);
        }
        return merge(sd, z.q(), z.p());
    }

    @Override
    protected void defineModuleParameters(SDLayerParams params) {
        for (String s : new String[]{"T", "U"}) {
            params.addWeightParam("A" + s, width, half());
            params.addWeightParam("u" + s, 1, width);
            params.addBiasParam("a" + s, 1, width);
        }
    }

    @Override
    protected void initializeModuleParameters(Map<String, INDArray> params) {
        for (String s : new String[]{"T", "U"}) {
            initWeights((int) half(), (int) width, getWeightInit(), params.get("A" + s));
            INDArray u = params.get("u" + s);
            u.assign(Nd4j.randn(u.dataType(), u.shape()).muli(1.0 / Math.sqrt(width)));
            params.get("a" + s).assign(Nd4j.randn(u.dataType(), u.shape()).muli(0.1));
        }
    }

    /** Builder. Defaults: tanh potentials, Störmer–Verlet, 1 step of h = 0.1. */
    public static class Builder extends AbstractHamiltonianLayer.Builder<Builder> {
        private SymplecticMethod integrator = SymplecticMethod.STORMER_VERLET;

        /** {@link SymplecticMethod#STORMER_VERLET} (default) or {@link SymplecticMethod#SYMPLECTIC_EULER}. */
        public Builder integrator(SymplecticMethod integrator) {
            this.integrator = integrator;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public SeparableHamiltonianLayer build() {
            validate();
            if (integrator != SymplecticMethod.STORMER_VERLET && integrator != SymplecticMethod.SYMPLECTIC_EULER) {
                throw new IllegalArgumentException(owner() + ": integrator must be STORMER_VERLET or SYMPLECTIC_EULER"
                        + " (the explicit symplectic methods for separable H); got " + integrator);
            }
            return new SeparableHamiltonianLayer(this);
        }
    }
}
