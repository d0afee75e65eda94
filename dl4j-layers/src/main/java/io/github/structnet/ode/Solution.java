package io.github.structnet.ode;

import java.util.ArrayList;
import java.util.List;

/**
 * The result of one {@link OdeSolver#solve}: the states at the requested times, where each came from (step and
 * position θ in it), the accepted step grid, the solver's counts, and what backpropagation needs (the tape).
 * <p>The tape holds, per accepted step, its start state and stages ({@code checkpointEvery} = 0), only every K-th start
 * state (K = {@code checkpointEvery} &gt; 0; the other steps are recomputed on the same grid), or nothing (&lt; 0,
 * the adjoint method).
 */
public final class Solution {

    private final double[][] outputs;
    private final int[] outputStep;
    private final double[] outputTheta;
    private final int checkpointEvery;
    private final GrowingArray stepStart = new GrowingArray();
    private final GrowingArray stepSize = new GrowingArray();
    private final List<double[]> states = new ArrayList<>();
    private final List<double[][]> stages = new ArrayList<>();
    private int rejected;
    private int evaluations;

    Solution(int times, int checkpointEvery) {
        this.outputs = new double[times][];
        this.outputStep = new int[times];
        this.outputTheta = new double[times];
        this.checkpointEvery = checkpointEvery;
    }

    /** The state at requested time j (a live array: do not modify). */
    public double[] output(int j) {
        return outputs[j];
    }

    /** All states at the requested times, [times][state]. */
    public double[][] outputs() {
        return outputs;
    }

    /** Number of accepted steps. */
    public int acceptedSteps() {
        return stepStart.size();
    }

    /** Number of rejected steps (adaptive pairs). */
    public int rejectedSteps() {
        return rejected;
    }

    /** Number of vector-field evaluations. */
    public int evaluations() {
        return evaluations;
    }

    /** Start time of accepted step m. */
    public double stepStart(int m) {
        return stepStart.get(m);
    }

    /** Size of accepted step m. */
    public double stepSize(int m) {
        return stepSize.get(m);
    }

    /** Number of state arrays the tape keeps (start states; stages count separately). */
    public int storedStates() {
        return states.size();
    }

    int checkpointEvery() {
        return checkpointEvery;
    }

    void output(int j, double[] state, int step, double theta) {
        outputs[j] = state;
        outputStep[j] = step;
        outputTheta[j] = theta;
    }

    int outputStep(int j) {
        return outputStep[j];
    }

    double outputTheta(int j) {
        return outputTheta[j];
    }

    void accept(double t, double h, double[] state, double[][] k) {
        int m = stepStart.size();
        stepStart.add(t);
        stepSize.add(h);
        if (checkpointEvery == 0) {
            states.add(state.clone());
            double[][] copy = new double[k.length][];
            for (int i = 0; i < k.length; i++) {
                copy[i] = k[i].clone();
            }
            stages.add(copy);
        } else if (checkpointEvery > 0 && m % checkpointEvery == 0) {
            states.add(state.clone());
        }
    }

    void countRejection() {
        rejected++;
    }

    void countEvaluations(int count) {
        evaluations += count;
    }

    /** Start state of step m (full tape), or of checkpoint m / K. */
    double[] storedState(int index) {
        return states.get(index);
    }

    double[][] storedStages(int m) {
        return stages.get(m);
    }

    /** A growable double array. */
    private static final class GrowingArray {
        private double[] values = new double[16];
        private int size;

        void add(double v) {
            if (size == values.length) {
                values = java.util.Arrays.copyOf(values, 2 * size);
            }
            values[size++] = v;
        }

        double get(int i) {
            return values[i];
        }

        int size() {
            return size;
        }
    }
}
