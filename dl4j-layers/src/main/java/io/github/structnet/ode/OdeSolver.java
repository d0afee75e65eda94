package io.github.structnet.ode;

import java.util.Arrays;

/**
 * Solves ẋ = F(t, x) on flat arrays with an explicit {@link ButcherTableau}, returning the states at requested times
 * t₀ &lt; t₁ &lt; … (or t₀ &gt; t₁ &gt; …, integrating backwards), and backpropagates through the accepted steps.
 * <ul>
 *   <li>Adaptive pairs choose their steps ({@link StepControl}); outputs between step ends come from the pair's
 *       dense output, so requested times never force steps. Only the last step is shortened to end on the last
 *       time.</li>
 *   <li>Fixed-step methods cut each interval between requested times into equal steps no longer than the fixed
 *       step.</li>
 * </ul>
 * <b>Backpropagation</b> ({@link #backpropagate}) is the exact vector–Jacobian product of the discrete map from x₀ to
 * the outputs on the accepted grid (step sizes are constants of that map), through the stages and the dense output.
 * With checkpoints it replays each segment from its checkpoint on the same grid with the same arithmetic, so the
 * gradients are bitwise equal to those of the full tape.
 */
public final class OdeSolver {

    /** {@code checkpointEvery} value that keeps no tape (forward only, or the adjoint method). */
    public static final int NO_TAPE = -1;
    /** {@code checkpointEvery} value that keeps every step's state and stages. */
    public static final int FULL_TAPE = 0;

    private final ButcherTableau method;
    private final StepControl control;
    private final String owner;

    /**
     * @param owner names the layer in messages
     */
    public OdeSolver(ButcherTableau method, StepControl control, String owner) {
        if (method == null) {
            throw new IllegalArgumentException(owner + ": the Runge-Kutta method must be set");
        }
        this.method = method;
        this.control = control.validate(owner);
        this.owner = owner;
    }

    public ButcherTableau method() {
        return method;
    }

    public StepControl control() {
        return control;
    }

    /**
     * Solves from {@code times[0]}, where the state is {@code x0}, and returns the states at all {@code times}.
     *
     * @param checkpointEvery {@link #FULL_TAPE}, {@link #NO_TAPE} or K &gt; 0 (keep every K-th step's start state)
     * @throws IllegalArgumentException for times that are not finite and strictly monotone
     * @throws OdeSolveException        when a step limit is hit or the solution stops being finite
     */
    public Solution solve(FlatVectorField f, double[] x0, double[] times, int checkpointEvery) {
        requireTimes(times, owner);
        Solution solution = new Solution(times.length, checkpointEvery);
        solution.output(0, x0.clone(), -1, 1.0);
        if (times.length == 1) {
            return solution;
        }
        if (method.isAdaptive()) {
            solveAdaptive(f, x0, times, solution);
        } else {
            solveFixed(f, x0, times, solution);
        }
        return solution;
    }

    /**
     * Checks requested times: at least one, finite, strictly monotone.
     *
     * @param owner names the layer in the message
     */
    public static void requireTimes(double[] times, String owner) {
        if (times == null || times.length == 0) {
            throw new IllegalArgumentException(owner + ": at least one time (the start time) is needed");
        }
        for (int j = 0; j < times.length; j++) {
            if (!Double.isFinite(times[j])) {
                throw new IllegalArgumentException(owner + ": time " + j + " is " + times[j] + "; times must be"
                        + " finite");
            }
        }
        if (times.length > 1) {
            double direction = Math.signum(times[1] - times[0]);
            for (int j = 1; j < times.length; j++) {
                if (!(Math.signum(times[j] - times[j - 1]) == direction && direction != 0)) {
                    throw new IllegalArgumentException(owner + ": times must be strictly monotone; time " + (j - 1)
                            + " = " + times[j - 1] + " and time " + j + " = " + times[j]);
                }
            }
        }
    }

    /**
     * The grid of a fixed-step method: each interval between consecutive times cut into ⌈|Δt| / step⌉ equal steps.
     *
     * @param starts     start time of each step
     * @param sizes      size of each step
     * @param outputStep for each time j ≥ 1, the step that ends on it (entry 0 is −1)
     */
    public record FixedGrid(double[] starts, double[] sizes, int[] outputStep) {

        public static FixedGrid of(double[] times, double step) {
            int total = 0;
            int[] pieces = new int[times.length];
            for (int j = 1; j < times.length; j++) {
                pieces[j] = (int) Math.max(1, Math.ceil(Math.abs(times[j] - times[j - 1]) / step - 1e-9));
                total += pieces[j];
            }
            double[] starts = new double[total];
            double[] sizes = new double[total];
            int[] outputStep = new int[times.length];
            outputStep[0] = -1;
            int m = 0;
            for (int j = 1; j < times.length; j++) {
                double span = times[j] - times[j - 1];
                for (int q = 0; q < pieces[j]; q++, m++) {
                    starts[m] = times[j - 1] + q * span / pieces[j];
                    double end = q + 1 == pieces[j] ? times[j] : times[j - 1] + (q + 1) * span / pieces[j];
                    sizes[m] = end - starts[m];
                }
                outputStep[j] = m - 1;
            }
            return new FixedGrid(starts, sizes, outputStep);
        }
    }

    private void solveFixed(FlatVectorField f, double[] x0, double[] times, Solution solution) {
        int n = x0.length;
        int s = method.stages();
        double[][] k = new double[s][n];
        double[] work = new double[n];
        double[] y = x0.clone();
        double[] next = new double[n];
        double[] weights = method.weights();
        FixedGrid grid = FixedGrid.of(times, control.fixedStep());
        int j = 1;
        for (int m = 0; m < grid.starts().length; m++) {
            double t = grid.starts()[m];
            double h = grid.sizes()[m];
            if (m >= control.maxSteps()) {
                throw failure("too many steps (maxSteps = " + control.maxSteps() + ")", t, h);
            }
            method.stages(f, t, y, h, k, 0, work);
            solution.countEvaluations(s);
            ButcherTableau.combine(y, h, weights, k, next);
            if (!finite(next)) {
                throw failure("the state is no longer finite (the vector field blows up)", t, h);
            }
            solution.accept(t, h, y, k);
            double[] swap = y;
            y = next;
            next = swap;
            for (; j < times.length && grid.outputStep()[j] == m; j++) {
                solution.output(j, y.clone(), m, 1.0);
            }
        }
    }

    private void solveAdaptive(FlatVectorField f, double[] x0, double[] times, Solution solution) {
        int n = x0.length;
        int s = method.stages();
        double direction = Math.signum(times[times.length - 1] - times[0]);
        double end = times[times.length - 1];
        double[][] k = new double[s][n];
        double[] work = new double[n];
        double[] y = x0.clone();
        double[] next = new double[n];
        double[] weights = method.weights();
        double t = times[0];
        f.evaluate(t, y, k[0]);
        solution.countEvaluations(1);
        if (!finite(k[0])) {
            throw failure("the vector field is not finite at the start state", t, 0);
        }
        double h = control.firstStep() > 0 ? direction * Math.min(control.firstStep(), Math.abs(end - t))
                : direction * initialStep(f, t, y, k[0], Math.abs(end - t), solution);
        double alpha = 1.0 / (method.embeddedOrder() + 1) - 0.75 * StepControl.BETA;
        double previousError = 1e-4;
        boolean rejectedLast = false;
        int attempts = 0;
        int step = 0;
        int j = 1;
        while (j < times.length) {
            boolean last = Math.abs(h) >= Math.abs(end - t);
            if (last) {
                h = end - t;
            }
            if (attempts >= control.maxSteps()) {
                throw failure("too many steps (maxSteps = " + control.maxSteps() + ")", t, h);
            }
            if (Math.abs(h) < control.minStep() && !last) {
                throw failure("the step fell below minStep = " + control.minStep()
                        + " (the problem is stiff or the vector field blows up)", t, h);
            }
            attempts++;
            method.stages(f, t, y, h, k, 1, work);
            solution.countEvaluations(s - 1);
            ButcherTableau.combine(y, h, weights, k, next);
            double error = errorNorm(y, next, h, k, work);
            if (!Double.isFinite(error)) {
                if (Math.abs(h) * control.shrinkLimit() < control.minStep() || last && Math.abs(h) < 1e-300) {
                    throw failure("the state is no longer finite (the vector field blows up)", t, h);
                }
                h *= control.shrinkLimit();
                rejectedLast = true;
                solution.countRejection();
                continue;
            }
            if (error > 1) {
                h *= Math.max(control.shrinkLimit(),
                        control.safety() * Math.pow(error, -1.0 / (method.embeddedOrder() + 1)));
                rejectedLast = true;
                solution.countRejection();
                continue;
            }
            solution.accept(t, h, y, k);
            double stepEnd = last ? end : t + h;
            while (j < times.length && direction * (times[j] - stepEnd) <= 0) {
                if (times[j] == stepEnd) {
                    solution.output(j, next.clone(), step, 1.0);
                } else {
                    double theta = (times[j] - t) / h;
                    double[] dense = new double[n];
                    ButcherTableau.combine(y, h, method.denseWeights(theta), k, dense);
                    solution.output(j, dense, step, theta);
                }
                j++;
            }
            if (method.firstSameAsLast()) {
                double[] swapStage = k[0];
                k[0] = k[s - 1];
                k[s - 1] = swapStage;
            } else if (j < times.length) {
                f.evaluate(stepEnd, next, k[0]);
                solution.countEvaluations(1);
            }
            double factor = error == 0 ? control.growthLimit()
                    : control.safety() * Math.pow(error, -alpha) * Math.pow(previousError, StepControl.BETA);
            factor = Math.min(control.growthLimit(), Math.max(control.shrinkLimit(), factor));
            if (rejectedLast) {
                factor = Math.min(factor, 1.0);
            }
            previousError = Math.max(error, 1e-4);
            rejectedLast = false;
            h *= factor;
            t = stepEnd;
            double[] swap = y;
            y = next;
            next = swap;
            step++;
        }
    }

    /** ‖h Σ (bᵢ − b̂ᵢ) kᵢ / (atol + rtol max(|x|, |x_new|))‖_RMS. */
    private double errorNorm(double[] y, double[] next, double h, double[][] k, double[] work) {
        Arrays.fill(work, 0.0);
        for (int i = 0; i < k.length; i++) {
            double e = method.errorWeight(i);
            if (e != 0) {
                ButcherTableau.axpy(h * e, k[i], work);
            }
        }
        double sum = 0;
        for (int i = 0; i < y.length; i++) {
            double scale = control.atol() + control.rtol() * Math.max(Math.abs(y[i]), Math.abs(next[i]));
            double r = work[i] / scale;
            sum += r * r;
        }
        return Math.sqrt(sum / y.length);
    }

    /** Hairer–Nørsett–Wanner's starting step from the sizes of x, F(x) and a trial Euler step. */
    private double initialStep(FlatVectorField f, double t, double[] y, double[] f0, double span, Solution solution) {
        int n = y.length;
        double d0 = 0;
        double d1 = 0;
        for (int i = 0; i < n; i++) {
            double scale = control.atol() + control.rtol() * Math.abs(y[i]);
            d0 += (y[i] / scale) * (y[i] / scale);
            d1 += (f0[i] / scale) * (f0[i] / scale);
        }
        d0 = Math.sqrt(d0 / n);
        d1 = Math.sqrt(d1 / n);
        double h0 = Math.min(span, d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : 0.01 * d0 / d1);
        double direction = Math.signum(span);
        double[] trial = y.clone();
        ButcherTableau.axpy(h0, f0, trial);
        double[] f1 = new double[n];
        f.evaluate(t + h0, trial, f1);
        solution.countEvaluations(1);
        double d2 = 0;
        for (int i = 0; i < n; i++) {
            double scale = control.atol() + control.rtol() * Math.abs(y[i]);
            double r = (f1[i] - f0[i]) / scale;
            d2 += r * r;
        }
        d2 = Math.sqrt(d2 / n) / h0;
        double largest = Math.max(d1, d2);
        double h1 = !(largest > 1e-15) ? Math.max(1e-6, h0 * 1e-3)
                : Math.pow(0.01 / largest, 1.0 / (method.order() + 1));
        return direction == 0 ? span : Math.min(Math.min(100 * h0, h1), span);
    }

    /**
     * The gradient ∂ℓ/∂x₀ of a loss of the outputs, given ∂ℓ/∂x(tⱼ) (rows may be null), adding ∂ℓ/∂θ to
     * {@code parameterGradient}: the exact vector–Jacobian product of the discrete solve on its accepted grid.
     *
     * @throws IllegalStateException for a solution solved without a tape
     */
    public double[] backpropagate(DifferentiableVectorField f, Solution solution, double[][] outputGradients,
                                  double[] parameterGradient) {
        int checkpointEvery = solution.checkpointEvery();
        if (checkpointEvery < 0) {
            throw new IllegalStateException(owner + ": this solve kept no tape; solve with FULL_TAPE or checkpoints"
                    + " to backpropagate through its steps, or use the adjoint method");
        }
        int n = solution.output(0).length;
        int s = method.stages();
        int steps = solution.acceptedSteps();
        double[] adjoint = new double[n];
        double[] spare = new double[n];
        double[] previous = new double[n];
        double[][] stageWork = new double[s][n];
        double[][] denseStages = new double[s][n];
        double[][] stageGradients = new double[s][];
        double[] work = new double[n];
        double[] stageStateGradient = new double[n];
        int segment = checkpointEvery == 0 ? 1 : checkpointEvery;
        int j = outputGradients.length - 1;
        for (int segmentStart = ((steps - 1) / segment) * segment; segmentStart >= 0; segmentStart -= segment) {
            int segmentEnd = Math.min(steps, segmentStart + segment);
            double[][] states = new double[segmentEnd - segmentStart][];
            double[][][] stages = new double[segmentEnd - segmentStart][][];
            replay(f, solution, segmentStart, segmentEnd, states, stages);
            for (int m = segmentEnd - 1; m >= segmentStart; m--) {
                double t = solution.stepStart(m);
                double h = solution.stepSize(m);
                double[][] k = stages[m - segmentStart];
                double[] y = states[m - segmentStart];
                Arrays.fill(stageGradients, null);
                Arrays.fill(previous, 0.0);
                for (; j >= 0 && solution.outputStep(j) == m; j--) {
                    double[] g = outputGradients[j];
                    if (g == null) {
                        continue;
                    }
                    double theta = solution.outputTheta(j);
                    if (theta == 1.0) {
                        ButcherTableau.axpy(1.0, g, adjoint);
                    } else {
                        double[] w = method.denseWeights(theta);
                        for (int i = 0; i < s; i++) {
                            if (w[i] != 0) {
                                if (stageGradients[i] == null) {
                                    stageGradients[i] = denseStages[i];
                                    Arrays.fill(stageGradients[i], 0.0);
                                }
                                ButcherTableau.axpy(h * w[i], g, stageGradients[i]);
                            }
                        }
                        ButcherTableau.axpy(1.0, g, previous);
                    }
                }
                double[] stateGradient = spare;
                method.pullbackStep(f, t, h, y, k, adjoint, stageGradients, stateGradient, parameterGradient,
                        stageWork, work, stageStateGradient);
                ButcherTableau.axpy(1.0, previous, stateGradient);
                spare = adjoint;
                adjoint = stateGradient;
            }
        }
        for (; j >= 0; j--) {
            if (outputGradients[j] != null) {
                ButcherTableau.axpy(1.0, outputGradients[j], adjoint);
            }
        }
        return adjoint;
    }

    /**
     * The start states and stages of steps [from, to): from the full tape, or recomputed from the checkpoint at
     * {@code from} on the recorded grid with the forward solve's arithmetic (first stage reused where the method
     * allows, as in the forward solve).
     */
    private void replay(FlatVectorField f, Solution solution, int from, int to, double[][] states,
                        double[][][] stages) {
        if (solution.checkpointEvery() == 0) {
            for (int m = from; m < to; m++) {
                states[m - from] = solution.storedState(m);
                stages[m - from] = solution.storedStages(m);
            }
            return;
        }
        int n = solution.output(0).length;
        int s = method.stages();
        double[] weights = method.weights();
        double[] y = solution.storedState(from / solution.checkpointEvery()).clone();
        double[] work = new double[n];
        boolean reuse = method.isAdaptive() && method.firstSameAsLast();
        for (int m = from; m < to; m++) {
            double t = solution.stepStart(m);
            double h = solution.stepSize(m);
            double[][] k = new double[s][n];
            int first = 0;
            if (reuse && m > from) {
                System.arraycopy(stages[m - from - 1][s - 1], 0, k[0], 0, n);
                first = 1;
            }
            method.stages(f, t, y, h, k, first, work);
            states[m - from] = y;
            stages[m - from] = k;
            double[] next = new double[n];
            ButcherTableau.combine(y, h, weights, k, next);
            y = next;
        }
    }

    private OdeSolveException failure(String limit, double t, double h) {
        return new OdeSolveException(owner + ": " + method.name() + " stopped at t = " + t + " with step h = " + h
                + ": " + limit);
    }

    static boolean finite(double[] v) {
        for (double x : v) {
            if (!Double.isFinite(x)) {
                return false;
            }
        }
        return true;
    }
}
