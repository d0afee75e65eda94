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
import java.util.HashMap;
import lombok.EqualsAndHashCode;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.annotation.JsonIgnoreProperties;

import java.util.Map;
import java.util.Optional;

/**
 * A learned general Hamiltonian H(x) = uᵀγ(A x + a) on x = (q, p), integrated over {@code steps} steps of size h.
 * <pre>
 *   ẋ = 𝕁 ∇H(x) = (∇_p H, −∇_q H),   ∇H(x) = Aᵀ(u ⊙ γ′(A x + a))   (closed form, {@link ScalarPotential})
 * </pre>
 * <b>Guarantee.</b> With {@link SymplecticMethod#IMPLICIT_MIDPOINT} (the default) each step is the implicit midpoint
 * step, solved outside the graph by Newton's method ({@link HamiltonianMidpoint}) to 1e-14 relative (double; 1e-6 in
 * float) or to the rounding level of its residual where that is larger, so the map the layer computes is symplectic,
 * Jᵀ𝕁J = 𝕁 to that accuracy, for any weights, after training too.
 * <p><b>Well-posed steps.</b> By default the layer runs with u scaled by {@link StiffnessBound} so that
 * (h/2)·Lip(𝕁∇H) ≤ ρ = 1/2: every step has exactly one solution and Newton's Jacobian is invertible for all weights,
 * so long training cannot bend the field into a step with no solution. With {@link Builder#unboundedStiffness()}
 * Newton's method still solves steps beyond contraction where a branch of solutions exists; a step whose Jacobian
 * I − (h/2)𝕁∇²H is singular, or that does not converge, throws {@link ImplicitMidpoint.NotConvergedException}
 * naming the layer and the step.
 * <p><b>Derivatives.</b> The graph takes one Newton step ŷ − P R(ŷ) from the solution ŷ, with ŷ and the resolvent
 * P = (I − (h/2)𝕁∇²H)⁻¹ held constant: its value is ŷ and its derivatives are the implicit function theorem's,
 * exact to the solver's accuracy. P costs mb·(2n)² numbers per step in memory.
 * Any explicit Runge–Kutta method ({@link ButcherTableau}, e.g. RK4 or Euler) is offered for comparison; none is
 * symplectic.
 * <p>Shapes: input/output [mb, 2n]; A [m, 2n], a, u [1, m]. The step h is a fixed setting.
 *
 * @see <a href="https://arxiv.org/abs/1906.01563">Greydanus, Dzamba, Yosinski 2019, Hamiltonian neural networks</a>
 */
@Data
@EqualsAndHashCode(callSuper = true)
@JsonIgnoreProperties({"fixedPointIterations"}) // a setting of versions that iterated to a fixed point
public class GeneralHamiltonianLayer extends AbstractHamiltonianLayer {

    /** Name prefix of the placeholders holding the converged midpoint solutions. */
    static final String SOLUTION_PREFIX = "midpointSolution";
    /** Name prefix of the placeholders holding the resolvents (I − (h/2)𝕁∇²H)⁻¹ at the solutions. */
    static final String RESOLVENT_PREFIX = "midpointResolvent";
    /** The builder's contraction rate ρ of {@link StiffnessBound}. */
    public static final double DEFAULT_CONTRACTION = 0.5;
    /** Newton steps allowed per integration step (quadratic convergence needs a handful). */
    static final int MAX_NEWTON_ITERATIONS = 50;

    /** The integrator's name: IMPLICIT_MIDPOINT or a {@link ButcherTableau}'s name (kept as text for JSON). */
    private String integrator;
    /**
     * The contraction rate ρ that {@link StiffnessBound} enforces, or null for an unbounded potential (also what a
     * configuration saved before the bound existed loads as).
     */
    private Double contraction;

    private GeneralHamiltonianLayer() {
        // for Jackson
    }

    private GeneralHamiltonianLayer(Builder b) {
        super(b);
        this.integrator = b.integrator.name();
        this.contraction = b.contraction;
    }

    /** The bound on the potential's stiffness, if one is configured. */
    public Optional<StiffnessBound> stiffnessBound() {
        return contraction == null ? Optional.empty()
                : Optional.of(new StiffnessBound(contraction, step, potential));
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
        SDVariable outer = stiffnessBound().map(bound -> bound.scaledOuter(sd, p.get("A"), p.get("u")))
                .orElse(p.get("u"));
        VectorField<SDVariable> field = (t, y) -> {
            SDVariable g = potential.gradient(sd, y, p.get("A"), p.get("a"), outer);
            return merge(sd, p(g), q(g).neg());
        };
        SDVariable y = x;
        for (int i = 0; i < steps; i++) {
            y = integrator() instanceof ButcherTableau tableau
                    ? tableau.step(field, 0, y, step, VectorOps.SAMEDIFF)
                    : newtonStepFromSolution(sd, field, y, constant(sd, SOLUTION_PREFIX + i, x.dataType(), -1, nIn),
                            constant(sd, RESOLVENT_PREFIX + i, x.dataType(), -1, nIn, nIn));
        }
        return y;
    }

    private static SDVariable constant(SameDiff sd, String name, DataType type, long... shape) {
        return new StopGradient(sd, sd.placeHolder(name, type, shape)).outputVariable();
    }

    /**
     * ŷ − P R(ŷ) with R(y) = y − x − h F((x + y)/2): the value is the solution ŷ, the derivatives (ŷ and P held
     * constant) are the implicit function theorem's.
     */
    private SDVariable newtonStepFromSolution(SameDiff sd, VectorField<SDVariable> field, SDVariable x,
            SDVariable solution, SDVariable resolvent) {
        SDVariable residual = solution.sub(x).sub(field.apply(0, x.add(solution).mul(0.5)).mul(step));
        SDVariable correction = resolvent.mul(sd.reshape(residual, -1, 1, nIn)).sum(2);
        return solution.sub(correction);
    }

    /** The implicit-midpoint solutions of every step and their resolvents, solved in plain ND4J. */
    @Override
    public Map<String, INDArray> placeholderValues(Map<String, INDArray> params, INDArray[] inputs, boolean training) {
        if (integrator() != SymplecticMethod.IMPLICIT_MIDPOINT) {
            return Map.of();
        }
        INDArray outer = stiffnessBound().map(bound -> bound.scaledOuter(params.get("A"), params.get("u")))
                .orElse(params.get("u"));
        HamiltonianMidpoint midpoint = new HamiltonianMidpoint(potential, params.get("A"), params.get("a"), outer);
        double tolerance = inputs[0].dataType() == DataType.DOUBLE ? 1e-14 : 1e-6;
        Map<String, INDArray> values = new HashMap<>();
        INDArray y = inputs[0];
        for (int i = 0; i < steps; i++) {
            HamiltonianMidpoint.Step solved;
            try {
                solved = midpoint.solve(y, step, tolerance * Math.max(1, y.amaxNumber().doubleValue()),
                        MAX_NEWTON_ITERATIONS);
            } catch (ImplicitMidpoint.NotConvergedException e) {
                throw new ImplicitMidpoint.NotConvergedException(describe() + ", step " + (i + 1) + " of " + steps
                        + ": " + e.getMessage());
            }
            y = solved.next();
            values.put(SOLUTION_PREFIX + i, y);
            values.put(RESOLVENT_PREFIX + i, solved.resolvent());
        }
        return values;
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

    /** Builder. Defaults: tanh, implicit midpoint (Newton), 1 step of h = 0.1, stiffness bounded at ρ = 1/2. */
    public static class Builder extends AbstractHamiltonianLayer.Builder<Builder> {
        private Integrator integrator = SymplecticMethod.IMPLICIT_MIDPOINT;
        private Double contraction = DEFAULT_CONTRACTION;

        /**
         * Bounds the potential's stiffness so that (h/2)·Lip(𝕁∇H) ≤ ρ for all weights ({@link StiffnessBound}):
         * every midpoint step then has exactly one solution, whatever training does. ρ ∈ (0, 1); default 1/2.
         */
        public Builder contraction(double rho) {
            if (!(rho > 0 && rho < 1)) {
                throw new IllegalArgumentException(owner() + ": contraction must be in (0, 1); got " + rho);
            }
            this.contraction = rho;
            return this;
        }

        /**
         * No bound on the potential (the behaviour before {@link #contraction(double)} existed): steps with
         * h·Lip(𝕁∇H)/2 ≥ 1 are solved by Newton's method where a solution branch exists, and refused where the branch
         * folds.
         */
        public Builder unboundedStiffness() {
            this.contraction = null;
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
            if (integrator != SymplecticMethod.IMPLICIT_MIDPOINT && !(integrator instanceof ButcherTableau)) {
                throw new IllegalArgumentException(owner() + ": integrator must be IMPLICIT_MIDPOINT or an explicit"
                        + " Runge-Kutta method (ButcherTableau); got " + integrator);
            }
            return new GeneralHamiltonianLayer(this);
        }
    }
}
