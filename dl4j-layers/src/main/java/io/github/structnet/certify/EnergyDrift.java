package io.github.structnet.certify;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.function.ToDoubleFunction;

/** Energy error along a rollout, and a test for drift. */
public final class EnergyDrift {

    private EnergyDrift() {
    }

    /** |H(x_k) − H(x_0)| for each state of a trajectory. */
    public static double[] errors(List<INDArray> trajectory, ToDoubleFunction<INDArray> energy) {
        if (trajectory.isEmpty()) {
            throw new IllegalArgumentException("EnergyDrift: empty trajectory");
        }
        double h0 = energy.applyAsDouble(trajectory.get(0));
        double[] e = new double[trajectory.size()];
        for (int k = 0; k < e.length; k++) {
            e[k] = Math.abs(energy.applyAsDouble(trajectory.get(k)) - h0);
        }
        return e;
    }

    /**
     * max error over the second half of the steps divided by the max over the first half (steps 1…): about 1 for a
     * bounded, oscillating error, about 2 or more for a linear drift.
     */
    public static double trendRatio(double[] errors) {
        int n = errors.length;
        if (n < 4) {
            throw new IllegalArgumentException("EnergyDrift: need at least 4 states; got " + n);
        }
        int mid = n / 2;
        double first = 0;
        double second = 0;
        for (int k = 1; k < n; k++) {
            if (k <= mid) {
                first = Math.max(first, errors[k]);
            } else {
                second = Math.max(second, errors[k]);
            }
        }
        return first == 0 ? (second == 0 ? 1.0 : Double.POSITIVE_INFINITY) : second / first;
    }
}
