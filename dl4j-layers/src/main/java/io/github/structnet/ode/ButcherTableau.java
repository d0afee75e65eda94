package io.github.structnet.ode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An explicit Runge–Kutta method given by its Butcher tableau (c, A, b), optionally with an embedded lower-order
 * solution b̂ (an error estimate) and a continuous extension (dense output).
 * <pre>
 *   kᵢ = F(t + cᵢ h, Yᵢ),   Yᵢ = x + h Σ_{j&lt;i} aᵢⱼ kⱼ
 *   x ← x + h Σᵢ bᵢ kᵢ,      error estimate  h Σᵢ (bᵢ − b̂ᵢ) kᵢ
 *   x(t + θh) ≈ x + h Σᵢ wᵢ(θ) kᵢ   (dense output, 0 ≤ θ ≤ 1, wᵢ(1) = bᵢ)
 * </pre>
 * <b>Guarantee.</b> A method of order r has local error O(h^{r+1}) and global error O(h^r) for smooth F; the
 * embedded estimate is the difference of the order-r and order-r̂ solutions, O(h^{r̂+1}). Dormand–Prince's
 * continuous extension has order 4, Bogacki–Shampine's (cubic Hermite on x, F(x), x_new, F(x_new)) order 3.
 * Methods whose last stage is evaluated at the new state (Dormand–Prince, Bogacki–Shampine) reuse it as the first
 * stage of the next step.
 *
 * @see <a href="https://doi.org/10.1007/978-3-540-78862-1">Hairer, Nørsett, Wanner, Solving ODEs I, §II.1, II.4,
 * II.6</a>
 */
public final class ButcherTableau implements Integrator {

    /** Explicit Euler, order 1. */
    public static final ButcherTableau EULER = new ButcherTableau("Euler", 1, 0,
            new double[][]{{}}, new double[]{1}, null, null);
    /** Explicit midpoint, order 2. */
    public static final ButcherTableau MIDPOINT = new ButcherTableau("midpoint", 2, 0,
            new double[][]{{}, {0.5}}, new double[]{0, 1}, null, null);
    /** Heun's method (explicit trapezoidal rule), order 2. */
    public static final ButcherTableau HEUN = new ButcherTableau("Heun", 2, 0,
            new double[][]{{}, {1}}, new double[]{0.5, 0.5}, null, null);
    /** The classical Runge–Kutta method, order 4. */
    public static final ButcherTableau RK4 = new ButcherTableau("RK4", 4, 0,
            new double[][]{{}, {0.5}, {0, 0.5}, {0, 0, 1}}, new double[]{1 / 6.0, 1 / 3.0, 1 / 3.0, 1 / 6.0},
            null, null);
    /** Bogacki–Shampine 3(2): order 3 with an embedded order-2 estimate, 4 stages (3 per step after the first). */
    public static final ButcherTableau BOGACKI_SHAMPINE = new ButcherTableau("Bogacki-Shampine 3(2)", 3, 2,
            new double[][]{{}, {0.5}, {0, 0.75}, {2 / 9.0, 1 / 3.0, 4 / 9.0}},
            new double[]{2 / 9.0, 1 / 3.0, 4 / 9.0, 0},
            new double[]{2 / 9.0 - 7 / 24.0, 1 / 3.0 - 1 / 4.0, 4 / 9.0 - 1 / 3.0, -1 / 8.0},
            null);
    /** Dormand–Prince 5(4): order 5 with an embedded order-4 estimate, 7 stages (6 per step after the first). */
    public static final ButcherTableau DORMAND_PRINCE = new ButcherTableau("Dormand-Prince 5(4)", 5, 4,
            new double[][]{
                {},
                {1 / 5.0},
                {3 / 40.0, 9 / 40.0},
                {44 / 45.0, -56 / 15.0, 32 / 9.0},
                {19372 / 6561.0, -25360 / 2187.0, 64448 / 6561.0, -212 / 729.0},
                {9017 / 3168.0, -355 / 33.0, 46732 / 5247.0, 49 / 176.0, -5103 / 18656.0},
                {35 / 384.0, 0, 500 / 1113.0, 125 / 192.0, -2187 / 6784.0, 11 / 84.0}},
            new double[]{35 / 384.0, 0, 500 / 1113.0, 125 / 192.0, -2187 / 6784.0, 11 / 84.0, 0},
            new double[]{71 / 57600.0, 0, -71 / 16695.0, 71 / 1920.0, -17253 / 339200.0, 22 / 525.0, -1 / 40.0},
            new double[]{-12715105075.0 / 11282082432.0, 0, 87487479700.0 / 32700410799.0,
                -10690763975.0 / 1880347072.0, 701980252875.0 / 199316789632.0, -1453857185.0 / 822651844.0,
                69997945.0 / 29380423.0});

    private static final List<ButcherTableau> ALL =
            List.of(EULER, MIDPOINT, HEUN, RK4, BOGACKI_SHAMPINE, DORMAND_PRINCE);

    private final String name;
    private final int order;
    private final int embeddedOrder;
    private final double[][] a;
    private final double[] b;
    private final double[] c;
    /** b − b̂, or null without an embedded method. */
    private final double[] errorWeights;
    /** Dormand–Prince's dense-output coefficients d, or null (then cubic Hermite if the pair is FSAL). */
    private final double[] denseCoefficients;
    private final boolean firstSameAsLast;

    private ButcherTableau(String name, int order, int embeddedOrder, double[][] a, double[] b,
                           double[] errorWeights, double[] denseCoefficients) {
        this.name = name;
        this.order = order;
        this.embeddedOrder = embeddedOrder;
        this.a = a;
        this.b = b;
        this.errorWeights = errorWeights;
        this.denseCoefficients = denseCoefficients;
        this.c = new double[b.length];
        for (int i = 0; i < b.length; i++) {
            c[i] = Arrays.stream(a[i]).sum();
        }
        int s = b.length;
        this.firstSameAsLast = s > 1 && c[s - 1] == 1 && b[s - 1] == 0 && Arrays.equals(a[s - 1],
                Arrays.copyOf(b, s - 1));
    }

    /** Every method in this class, for tests and benchmarks. */
    public static List<ButcherTableau> all() {
        return ALL;
    }

    /** The method called {@code name} (as printed by {@link #name()}, case-insensitive). */
    public static ButcherTableau named(String name) {
        List<String> names = new ArrayList<>();
        for (ButcherTableau t : ALL) {
            if (t.name.equalsIgnoreCase(name)) {
                return t;
            }
            names.add(t.name);
        }
        throw new IllegalArgumentException("Unknown Runge-Kutta method '" + name + "'; known: " + names);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int order() {
        return order;
    }

    /** Order of the embedded solution (0 without one). */
    public int embeddedOrder() {
        return embeddedOrder;
    }

    @Override
    public boolean isAdaptive() {
        return errorWeights != null;
    }

    @Override
    public boolean isSymplectic() {
        return false;
    }

    /** Number of stages s. */
    public int stages() {
        return b.length;
    }

    /** Whether the last stage is F at the new state, reusable as the next step's first stage. */
    public boolean firstSameAsLast() {
        return firstSameAsLast;
    }

    /** Whether {@link #denseWeights} is available (the adaptive pairs). */
    public boolean hasDenseOutput() {
        return denseCoefficients != null || (firstSameAsLast && isAdaptive());
    }

    double node(int i) {
        return c[i];
    }

    double coupling(int i, int j) {
        return j < a[i].length ? a[i][j] : 0.0;
    }

    double weight(int i) {
        return b[i];
    }

    double errorWeight(int i) {
        return errorWeights[i];
    }

    /**
     * The dense-output weights wᵢ(θ): x(t + θh) ≈ x + h Σᵢ wᵢ(θ) kᵢ.
     *
     * @throws IllegalStateException for a method without dense output
     */
    public double[] denseWeights(double theta) {
        int s = b.length;
        double[] w = new double[s];
        if (denseCoefficients != null) {
            // Dormand–Prince: θ(b + (1−θ)(e₁ − b + θ(2b − e₁ − e_s + (1−θ) d)))
            double u = 1 - theta;
            for (int i = 0; i < s; i++) {
                double first = i == 0 ? 1 : 0;
                double last = i == s - 1 ? 1 : 0;
                w[i] = theta * (b[i] + u * (first - b[i] + theta * (2 * b[i] - first - last
                        + u * denseCoefficients[i])));
            }
        } else if (hasDenseOutput()) {
            // cubic Hermite: θ b + θ(θ−1)((1−2θ) b + (θ−1) e₁ + θ e_s)
            for (int i = 0; i < s; i++) {
                double first = i == 0 ? 1 : 0;
                double last = i == s - 1 ? 1 : 0;
                w[i] = theta * b[i] + theta * (theta - 1) * ((1 - 2 * theta) * b[i] + (theta - 1) * first
                        + theta * last);
            }
        } else {
            throw new IllegalStateException(name + " has no dense output; use an adaptive pair (Dormand-Prince 5(4)"
                    + " or Bogacki-Shampine 3(2)) or put the output times on the step grid");
        }
        return w;
    }

    /**
     * One step for any vector type (ND4J arrays, SameDiff variables): the tableau's formula written once.
     */
    public <T> T step(VectorField<T> f, double t, T x, double h, VectorOps<T> ops) {
        Steps.requireStep(h, name);
        List<T> k = new ArrayList<>(b.length);
        for (int i = 0; i < b.length; i++) {
            T stage = x;
            for (int j = 0; j < i; j++) {
                if (coupling(i, j) != 0) {
                    stage = ops.axpy(stage, h * coupling(i, j), k.get(j));
                }
            }
            k.add(f.apply(t + c[i] * h, stage));
        }
        T out = x;
        for (int i = 0; i < b.length; i++) {
            if (b[i] != 0) {
                out = ops.axpy(out, h * b[i], k.get(i));
            }
        }
        return out;
    }

    /**
     * The stage state Yᵢ = x + h Σ_{j&lt;i} aᵢⱼ kⱼ on flat arrays, into {@code out}.
     */
    void stageState(int i, double[] x, double h, double[][] k, double[] out) {
        System.arraycopy(x, 0, out, 0, x.length);
        for (int j = 0; j < i; j++) {
            double coefficient = h * coupling(i, j);
            if (coefficient != 0) {
                axpy(coefficient, k[j], out);
            }
        }
    }

    /**
     * All stages of one step on flat arrays: kᵢ = F(t + cᵢh, Yᵢ) for i ≥ {@code from} (stages below {@code from}
     * are given, e.g. a reused first stage). {@code work} receives the last stage state.
     */
    void stages(FlatVectorField f, double t, double[] x, double h, double[][] k, int from, double[] work) {
        for (int i = from; i < b.length; i++) {
            stageState(i, x, h, k, work);
            f.evaluate(t + c[i] * h, work, k[i]);
        }
    }

    /** out = x + h Σᵢ wᵢ kᵢ. */
    static void combine(double[] x, double h, double[] w, double[][] k, double[] out) {
        System.arraycopy(x, 0, out, 0, x.length);
        for (int i = 0; i < w.length; i++) {
            if (w[i] != 0) {
                axpy(h * w[i], k[i], out);
            }
        }
    }

    /** The propagated solution's weights b. */
    double[] weights() {
        return b.clone();
    }

    /**
     * The reverse of one step: given ā = ∂ℓ/∂x_new and extra cotangents of the stages (from dense outputs, may be
     * null), writes ∂ℓ/∂x into {@code stateGradient} and adds ∂ℓ/∂θ to {@code parameterGradient}. The step size is
     * a constant of the step (the grid is fixed by the forward solve). {@code stageWork} (s rows), {@code work} and
     * {@code stageStateGradient} are scratch of the state's length.
     */
    void pullbackStep(DifferentiableVectorField f, double t, double h, double[] x, double[][] k,
                      double[] newStateGradient, double[][] stageGradients, double[] stateGradient,
                      double[] parameterGradient, double[][] stageWork, double[] work, double[] stageStateGradient) {
        int s = b.length;
        int n = x.length;
        for (int i = 0; i < s; i++) {
            double[] kb = stageWork[i];
            if (stageGradients != null && stageGradients[i] != null) {
                System.arraycopy(stageGradients[i], 0, kb, 0, n);
            } else {
                Arrays.fill(kb, 0.0);
            }
            if (b[i] != 0) {
                axpy(h * b[i], newStateGradient, kb);
            }
        }
        System.arraycopy(newStateGradient, 0, stateGradient, 0, n);
        for (int i = s - 1; i >= 0; i--) {
            double[] kb = stageWork[i];
            if (isZero(kb)) {
                continue;
            }
            stageState(i, x, h, k, work);
            f.pullback(t + c[i] * h, work, kb, stageStateGradient, parameterGradient);
            axpy(1.0, stageStateGradient, stateGradient);
            for (int j = 0; j < i; j++) {
                double coefficient = h * coupling(i, j);
                if (coefficient != 0) {
                    axpy(coefficient, stageStateGradient, stageWork[j]);
                }
            }
        }
    }

    private static boolean isZero(double[] v) {
        for (double x : v) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    static void axpy(double alpha, double[] x, double[] y) {
        for (int i = 0; i < y.length; i++) {
            y[i] += alpha * x[i];
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
