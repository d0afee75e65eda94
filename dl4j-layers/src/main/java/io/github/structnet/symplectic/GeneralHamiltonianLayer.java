package io.github.structnet.symplectic;

import io.github.structnet.ode.ButcherTableau;
import io.github.structnet.ode.ImplicitMidpoint;
import io.github.structnet.ode.Integrator;
import io.github.structnet.ode.SymplecticMethod;
import io.github.structnet.ode.VectorField;
import io.github.structnet.ode.VectorOps;
import lombok.Data;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ops.impl.controlflow.compat.StopGradient;
import org.nd4j.linalg.indexing.NDArrayIndex;
import java.util.HashMap;
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
 * <b>Guarantee.</b> With {@link SymplecticMethod#IMPLICIT_MIDPOINT} (the default) the layer's output is the implicit
 * midpoint step, solved outside the graph by fixed-point iteration to 1e-14 (double; 1e-6 in float), so the map the
 * layer computes is symplectic: Jᵀ𝕁J = 𝕁 to the solver tolerance, for any weights, after training too. A step that does
 * not converge throws {@link ImplicitMidpoint.NotConvergedException} naming the layer.
 * <b>Caveat.</b> The backward pass differentiates {@code fixedPointIterations} iterations started at the solution
 * (held constant), which approximates the implicit derivative with relative error (h·Lip(𝕁∇H)/2)^k: keep h small.
 * Any explicit Runge–Kutta method ({@link ButcherTableau}, e.g. RK4 or Euler) is offered for comparison; none is
 * symplectic.
 * <p>Shapes: input/output [mb, 2n]; A [m, 2n], a, u [1, m]. The step h is a fixed setting.
 *
 * @see <a href="https://arxiv.org/abs/1906.01563">Greydanus, Dzamba, Yosinski 2019, Hamiltonian neural networks</a>
 */
@Data
@EqualsAndHashCode(callSuper = true)
public class GeneralHamiltonianLayer extends AbstractHamiltonianLayer {

    /** Name prefix of the placeholders holding the converged midpoint solutions. */
    static final String SOLUTION_PREFIX = "midpointSolution";

    private int fixedPointIterations;
    /** The integrator's name: IMPLICIT_MIDPOINT or a {@link ButcherTableau}'s name (kept as text for JSON). */
    private String integrator;

    private GeneralHamiltonianLayer() {
        // for Jackson
    }

    private GeneralHamiltonianLayer(Builder b) {
        super(b);
        this.fixedPointIterations = b.fixedPointIterations;
        this.integrator = b.integrator.name();
    }

    /** The configured integrator: {@link SymplecticMethod#IMPLICIT_MIDPOINT} or an explicit Runge–Kutta method. */
    public Integrator integrator() {
        if (SymplecticMethod.IMPLICIT_MIDPOINT.name().equals(integrator)) {
            return SymplecticMethod.IMPLICIT_MIDPOINT;
        }
        return ButcherTableau.named("EXPLICIT_EULER".equals(integrator) ? ButcherTableau.EULER.name() : integrator);
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> p, SDVariable mask) {
        VectorField<SDVariable> field = (t, y) -> {
            SDVariable g = potential.gradient(sd, y, p.get("A"), p.get("a"), p.get("u"));
            return merge(sd, p(g), q(g).neg());
        };
        SDVariable y = x;
        for (int i = 0; i < steps; i++) {
            y = integrator() instanceof ButcherTableau tableau
                    ? tableau.step(field, 0, y, step, VectorOps.SAMEDIFF)
                    : midpointFromSolution(sd, field, y,
                            new StopGradient(sd, sd.placeHolder(SOLUTION_PREFIX + i, x.dataType(), -1, nIn))
                                    .outputVariable());
        }
        return y;
    }

    /**
     * {@code fixedPointIterations} iterations y ← x + h F((x + y)/2) started at the converged solution: the value
     * stays the converged one, and their derivative approximates the implicit one (error (h·Lip F / 2)^k).
     */
    private SDVariable midpointFromSolution(SameDiff sd, VectorField<SDVariable> field, SDVariable x,
            SDVariable solution) {
        SDVariable next = solution;
        for (int k = 0; k < fixedPointIterations; k++) {
            next = x.add(field.apply(0, x.add(next).mul(0.5)).mul(step));
        }
        return next;
    }

    /** The converged implicit-midpoint solutions of every step, solved in plain ND4J to the data type's tolerance. */
    @Override
    public Map<String, INDArray> placeholderValues(Map<String, INDArray> params, INDArray[] inputs, boolean training) {
        if (integrator() != SymplecticMethod.IMPLICIT_MIDPOINT) {
            return Map.of();
        }
        VectorField<INDArray> field = (t, y) -> {
            INDArray g = potential.gradient(y, params.get("A"), params.get("a"), params.get("u"));
            long n = half();
            INDArray dq = g.get(NDArrayIndex.all(), NDArrayIndex.interval(0, n));
            INDArray dp = g.get(NDArrayIndex.all(), NDArrayIndex.interval(n, nIn));
            return Nd4j.hstack(dp, dq.neg());
        };
        double tolerance = inputs[0].dataType() == DataType.DOUBLE ? 1e-14 : 1e-6;
        Map<String, INDArray> solutions = new HashMap<>();
        INDArray y = inputs[0];
        for (int i = 0; i < steps; i++) {
            try {
                y = ImplicitMidpoint.step(field, 0, y, step, tolerance * Math.max(1, y.amaxNumber().doubleValue()),
                        ImplicitMidpoint.DEFAULT_MAX_ITERATIONS);
            } catch (ImplicitMidpoint.NotConvergedException e) {
                throw new ImplicitMidpoint.NotConvergedException(describe() + ", step " + (i + 1) + " of " + steps
                        + ": "
                        + e.getMessage());
            }
            solutions.put(SOLUTION_PREFIX + i, y);
        }
        return solutions;
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
        private Integrator integrator = SymplecticMethod.IMPLICIT_MIDPOINT;

        /** Unrolled fixed-point iterations of the implicit midpoint rule (≥ 1). The graph grows with each one and
         * SameDiff builds gradients of large graphs slowly: prefer a smaller h to more iterations. */
        public Builder fixedPointIterations(int fixedPointIterations) {
            this.fixedPointIterations = fixedPointIterations;
            return this;
        }

        /** {@link SymplecticMethod#IMPLICIT_MIDPOINT} (default) or any {@link ButcherTableau}. */
        public Builder integrator(Integrator integrator) {
            this.integrator = integrator;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public GeneralHamiltonianLayer build() {
            validate();
            if (fixedPointIterations < 1) {
                throw new IllegalArgumentException(owner() + ": fixedPointIterations must be >= 1; got "
                        + fixedPointIterations);
            }
            if (integrator != SymplecticMethod.IMPLICIT_MIDPOINT && !(integrator instanceof ButcherTableau)) {
                throw new IllegalArgumentException(owner() + ": integrator must be IMPLICIT_MIDPOINT or an explicit"
                        + " Runge-Kutta method (ButcherTableau); got " + integrator);
            }
            return new GeneralHamiltonianLayer(this);
        }
    }
}
