package io.github.structnet.symplectic;

import io.github.structnet.ode.ExplicitEuler;
import io.github.structnet.ode.ImplicitMidpoint;
import io.github.structnet.ode.RungeKutta4;
import io.github.structnet.ode.VectorField;
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
 * A learned general Hamiltonian H(x) = uᵀγ(A x + a) on x = (q, p), integrated over {@code steps} steps of size h.
 * <pre>
 *   ẋ = 𝕁 ∇H(x) = (∇_p H, −∇_q H),   ∇H(x) = Aᵀ(u ⊙ γ′(A x + a))   (closed form, {@link ScalarPotential})
 * </pre>
 * <b>Guarantee.</b> With {@link Integrator#IMPLICIT_MIDPOINT} the step map is symplectic once the fixed-point
 * iteration has converged: {@code fixedPointIterations} unrolled iterations contract the error by h·Lip(𝕁∇H)/2 each,
 * so choose h small enough (the tests check Jᵀ𝕁J = 𝕁 to 1e-10). RK4 and explicit Euler are offered for comparison
 * and are not symplectic.
 * <p>Shapes: input/output [mb, 2n]; A [m, 2n], a, u [1, m]. The step h is a fixed setting.
 *
 * @see <a href="https://arxiv.org/abs/1906.01563">Greydanus, Dzamba, Yosinski 2019, Hamiltonian neural networks</a>
 */
@Data
@EqualsAndHashCode(callSuper = true)
public class GeneralHamiltonianLayer extends AbstractHamiltonianLayer {

    /** Integrators for a general (non-separable) Hamiltonian. */
    public enum Integrator { IMPLICIT_MIDPOINT, RK4, EXPLICIT_EULER }

    private int fixedPointIterations;
    private Integrator integrator;

    private GeneralHamiltonianLayer() {
        // for Jackson
    }

    private GeneralHamiltonianLayer(Builder b) {
        super(b);
        this.fixedPointIterations = b.fixedPointIterations;
        this.integrator = b.integrator;
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> p, SDVariable mask) {
        VectorField<SDVariable> field = (t, y) -> {
            SDVariable g = potential.gradient(sd, y, p.get("A"), p.get("a"), p.get("u"));
            return merge(sd, p(g), q(g).neg());
        };
        SDVariable y = x;
        for (int i = 0; i < steps; i++) {
            y = switch (integrator) {
                case IMPLICIT_MIDPOINT -> ImplicitMidpoint.unrolled(field, 0, y, step, fixedPointIterations, VectorOps.SAMEDIFF);
                case RK4 -> RungeKutta4.step(field, 0, y, step, VectorOps.SAMEDIFF);
                case EXPLICIT_EULER -> ExplicitEuler.step(field, 0, y, step, VectorOps.SAMEDIFF);
            };
        }
        return y;
    }

    @Override
    protected void defineModuleParameters(SDLayerParams params) {
        params.addWeightParam("A", width, nIn);
        params.addWeightParam("u", 1, width);
        params.addBiasParam("a", 1, width);
    }

    @Override
    protected void initializeModuleParameters(Map<String, INDArray> params) {
        initWeights((int) nIn, (int) width, getWeightInit(), params.get("A"));
        INDArray u = params.get("u");
        u.assign(Nd4j.randn(u.dataType(), u.shape()).muli(1.0 / Math.sqrt(width)));
        params.get("a").assign(Nd4j.randn(u.dataType(), u.shape()).muli(0.1));
    }

    /** Builder. Defaults: tanh, implicit midpoint with 10 fixed-point iterations, 1 step of h = 0.1. */
    public static class Builder extends AbstractHamiltonianLayer.Builder<Builder> {
        private int fixedPointIterations = 10;
        private Integrator integrator = Integrator.IMPLICIT_MIDPOINT;

        /** Unrolled fixed-point iterations of the implicit midpoint rule (≥ 1). The graph grows with each one and
         * SameDiff builds gradients of large graphs slowly: prefer a smaller h to more iterations. */
        public Builder fixedPointIterations(int fixedPointIterations) {
            this.fixedPointIterations = fixedPointIterations;
            return this;
        }

        public Builder integrator(Integrator integrator) {
            this.integrator = integrator;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public GeneralHamiltonianLayer build() {
            validate();
            if (fixedPointIterations < 1) {
                throw new IllegalArgumentException(owner() + ": fixedPointIterations must be >= 1; got " + fixedPointIterations);
            }
            if (integrator == null) {
                throw new IllegalArgumentException(owner() + ": integrator must be set");
            }
            return new GeneralHamiltonianLayer(this);
        }
    }
}
