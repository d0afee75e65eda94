package io.github.structnet.ode;

/**
 * How a solve chooses its steps.
 * <ul>
 *   <li>Adaptive pairs: a step is accepted when the error estimate e satisfies
 *       ‖e / (atol + rtol · max(|x|, |x_new|))‖_RMS ≤ 1; the next step is h · clamp(safety · err^{−α} ·
 *       err_prev^{β}, shrinkLimit, growthLimit) (a PI controller, α = 1/(r̂ + 1) − 0.75 β, β = 0.04, r̂ the embedded
 *       order; no growth right after a rejection). The first step is {@code firstStep}, or chosen from F's size
 *       at the start when it is 0.</li>
 *   <li>Fixed-step methods: every interval between consecutive output times is cut into ⌈Δt / fixedStep⌉ equal
 *       steps, so outputs fall on the grid.</li>
 * </ul>
 * A solve fails with an {@link OdeSolveException} after {@code maxSteps} attempted steps, when an adaptive step would
 * fall below {@code minStep}, or when the state or F stops being finite.
 *
 * @param rtol        relative tolerance (adaptive), &gt; 0
 * @param atol        absolute tolerance (adaptive), &gt; 0
 * @param fixedStep   the step of a fixed-step method, &gt; 0 (ignored by adaptive pairs)
 * @param maxSteps    maximum number of attempted steps per solve, ≥ 1
 * @param minStep     smallest admissible adaptive step, ≥ 0
 * @param safety      safety factor of the controller, in (0, 1]
 * @param shrinkLimit smallest factor between consecutive steps, in (0, 1)
 * @param growthLimit largest factor between consecutive steps, &gt; 1
 * @param firstStep   first adaptive step (0 = automatic)
 */
public record StepControl(double rtol, double atol, double fixedStep, int maxSteps, double minStep, double safety,
                          double shrinkLimit, double growthLimit, double firstStep) {

    /** PI controller: weight of the previous error. */
    static final double BETA = 0.04;

    /** Defaults: rtol 1e-7, atol 1e-9, fixed step 0.1, 10⁵ steps, min step 1e-12, safety 0.9, factors 0.2 and 10. */
    public static StepControl defaults() {
        return new StepControl(1e-7, 1e-9, 0.1, 100_000, 1e-12, 0.9, 0.2, 10.0, 0.0);
    }

    public StepControl withTolerances(double relative, double absolute) {
        return new StepControl(relative, absolute, fixedStep, maxSteps, minStep, safety, shrinkLimit, growthLimit,
                firstStep);
    }

    public StepControl withFixedStep(double step) {
        return new StepControl(rtol, atol, step, maxSteps, minStep, safety, shrinkLimit, growthLimit, firstStep);
    }

    public StepControl withLimits(int steps, double smallestStep) {
        return new StepControl(rtol, atol, fixedStep, steps, smallestStep, safety, shrinkLimit, growthLimit,
                firstStep);
    }

    /**
     * Checks every value.
     *
     * @param owner names the layer or solver in the message
     * @throws IllegalArgumentException naming the field, the value and what is allowed
     */
    public StepControl validate(String owner) {
        require(rtol > 0 && rtol < 1, owner, "rtol", rtol, "in (0, 1)");
        require(atol > 0 && Double.isFinite(atol), owner, "atol", atol, "finite and > 0");
        require(fixedStep > 0 && Double.isFinite(fixedStep), owner, "fixedStep", fixedStep, "finite and > 0");
        require(maxSteps >= 1, owner, "maxSteps", maxSteps, ">= 1");
        require(minStep >= 0 && Double.isFinite(minStep), owner, "minStep", minStep, "finite and >= 0");
        require(safety > 0 && safety <= 1, owner, "safety", safety, "in (0, 1]");
        require(shrinkLimit > 0 && shrinkLimit < 1, owner, "shrinkLimit", shrinkLimit, "in (0, 1)");
        require(growthLimit > 1 && Double.isFinite(growthLimit), owner, "growthLimit", growthLimit,
                "finite and > 1");
        require(firstStep >= 0 && Double.isFinite(firstStep), owner, "firstStep", firstStep,
                "finite and >= 0 (0 = automatic)");
        return this;
    }

    private static void require(boolean ok, String owner, String field, double value, String allowed) {
        if (!ok) {
            throw new IllegalArgumentException(owner + ": " + field + " must be " + allowed + "; got " + value);
        }
    }
}
