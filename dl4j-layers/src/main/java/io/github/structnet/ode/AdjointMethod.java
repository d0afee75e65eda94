package io.github.structnet.ode;

import java.util.Arrays;

/**
 * Gradients of a loss of the states x(t₀), …, x(t_N) by the continuous adjoint method (optimise, then discretise):
 * the augmented system
 * <pre>
 *   ẋ = F_θ(t, x),   ȧ = −(∂F/∂x)ᵀ a,   ġ = −(∂F/∂θ)ᵀ a
 * </pre>
 * is solved backwards from (x(t_N), ∂ℓ/∂x(t_N), 0) to t₀, adding ∂ℓ/∂x(tⱼ) to a and restarting x from the forward
 * solution at every tⱼ on the way; then a(t₀) = ∂ℓ/∂x₀ and g(t₀) = ∂ℓ/∂θ.
 * <p><b>Guarantee.</b> These are the gradients of the exact flow, up to the backward solve's tolerance; the memory is
 * three states and one parameter vector whatever the number of steps. They are not the exact gradients of the
 * discrete forward solve (use {@link OdeSolver#backpropagate} for those).
 *
 * @see <a href="https://arxiv.org/abs/1806.07366">Chen, Rubanova, Bettencourt, Duvenaud 2018, Neural ordinary
 * differential equations</a>
 */
public final class AdjointMethod {

    private final OdeSolver backwardSolver;

    /**
     * @param backwardSolver the solver (method and tolerances) of the augmented backward system
     */
    public AdjointMethod(OdeSolver backwardSolver) {
        this.backwardSolver = backwardSolver;
    }

    /**
     * ∂ℓ/∂x₀, adding ∂ℓ/∂θ to {@code parameterGradient}.
     *
     * @param times           the times of the forward solve
     * @param states          the forward solution at those times
     * @param outputGradients ∂ℓ/∂x(tⱼ) (rows may be null)
     */
    public double[] gradients(DifferentiableVectorField f, double[] times, double[][] states,
                              double[][] outputGradients, double[] parameterGradient) {
        int n = f.stateSize();
        int parameters = f.parameterCount();
        int last = times.length - 1;
        double[] augmented = new double[2 * n + parameters];
        if (outputGradients[last] != null) {
            System.arraycopy(outputGradients[last], 0, augmented, n, n);
        }
        AugmentedField field = new AugmentedField(f);
        for (int j = last; j > 0; j--) {
            System.arraycopy(states[j], 0, augmented, 0, n);
            Solution back = backwardSolver.solve(field, augmented, new double[]{times[j], times[j - 1]},
                    OdeSolver.NO_TAPE);
            augmented = back.output(1).clone();
            if (outputGradients[j - 1] != null) {
                for (int i = 0; i < n; i++) {
                    augmented[n + i] += outputGradients[j - 1][i];
                }
            }
        }
        for (int i = 0; i < parameters; i++) {
            parameterGradient[i] += augmented[2 * n + i];
        }
        return Arrays.copyOfRange(augmented, n, 2 * n);
    }

    /** The augmented right-hand side (F, −(∂F/∂x)ᵀa, −(∂F/∂θ)ᵀa) on z = (x, a, g). */
    private static final class AugmentedField implements FlatVectorField {
        private final DifferentiableVectorField f;
        private final double[] state;
        private final double[] adjoint;
        private final double[] stateOut;
        private final double[] stateGradient;
        private final double[] parameterGradient;

        AugmentedField(DifferentiableVectorField f) {
            this.f = f;
            int n = f.stateSize();
            this.state = new double[n];
            this.adjoint = new double[n];
            this.stateOut = new double[n];
            this.stateGradient = new double[n];
            this.parameterGradient = new double[f.parameterCount()];
        }

        @Override
        public void evaluate(double t, double[] z, double[] out) {
            int n = state.length;
            System.arraycopy(z, 0, state, 0, n);
            System.arraycopy(z, n, adjoint, 0, n);
            f.evaluate(t, state, stateOut);
            Arrays.fill(parameterGradient, 0.0);
            f.pullback(t, state, adjoint, stateGradient, parameterGradient);
            System.arraycopy(stateOut, 0, out, 0, n);
            for (int i = 0; i < n; i++) {
                out[n + i] = -stateGradient[i];
            }
            for (int i = 0; i < parameterGradient.length; i++) {
                out[2 * n + i] = -parameterGradient[i];
            }
        }
    }
}
