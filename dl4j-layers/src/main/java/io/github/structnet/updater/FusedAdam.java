package io.github.structnet.updater;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.schedule.ISchedule;

import java.util.Map;

/**
 * Adam, with DL4J's update rule, hyperparameters and state, run as three fused oneDNN passes
 * ({@link io.github.structnet.kernels.DirectAdam}) where ND4J 1.0.0-M2.1 runs its {@code adam_updater} op. A drop-in
 * for {@link Adam}: {@code .updater(new FusedAdam(1e-3))}.
 * <pre>
 *   m ← β₁ m + (1 − β₁) g,   v ← β₂ v + (1 − β₂) g²,   θ ← θ − η √(1 − β₂ᵗ)/(1 − β₁ᵗ) · m / (√v + ε)
 * </pre>
 * <b>Guarantee.</b> The same step as {@link Adam} to float rounding: the first moment bitwise, the second to 6e-8 and
 * the update to 3e-7 relative per element (tested). The updater state has Adam's layout (m, then v), so models keep
 * training across a save and a reload, and a network saved with {@link Adam} can be switched to this updater.
 * <p>Double-precision parameters, arrays oneDNN cannot take and {@code -Dstructnet.oneDnn=false} run ND4J's op, with
 * the same result.
 */
public class FusedAdam extends Adam {

    /** Adam's defaults: η = 1e-3, β₁ = 0.9, β₂ = 0.999, ε = 1e-8. */
    public FusedAdam() {
        super();
    }

    public FusedAdam(double learningRate) {
        super(learningRate);
    }

    public FusedAdam(ISchedule learningRateSchedule) {
        super(learningRateSchedule);
    }

    public FusedAdam(double learningRate, double beta1, double beta2, double epsilon) {
        super(learningRate, beta1, beta2, epsilon);
    }

    @Override
    public GradientUpdater instantiate(INDArray viewArray, boolean initializeViewArray) {
        FusedAdamUpdater updater = new FusedAdamUpdater(this);
        // as Adam: the flat view holds m then v, each as long as the gradient
        INDArray flat = viewArray.reshape(viewArray.length());
        updater.setStateViewArray(flat, new long[]{flat.length() / 2}, flat.ordering(), initializeViewArray);
        return updater;
    }

    @Override
    public GradientUpdater instantiate(Map<String, INDArray> updaterState, boolean initializeStateArrays) {
        FusedAdamUpdater updater = new FusedAdamUpdater(this);
        updater.setState(updaterState, initializeStateArrays);
        return updater;
    }

    @Override
    public FusedAdam clone() {
        FusedAdam copy = new FusedAdam(getLearningRate(), getBeta1(), getBeta2(), getEpsilon());
        copy.setLearningRateSchedule(getLearningRateSchedule());
        return copy;
    }

    /** Equal only to another FusedAdam with the same settings, so DL4J never merges it with an Adam block. */
    @Override
    public boolean equals(Object o) {
        return o instanceof FusedAdam && super.equals(o);
    }

    @Override
    protected boolean canEqual(Object other) {
        return other instanceof FusedAdam;
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + FusedAdam.class.hashCode();
    }

    @Override
    public String toString() {
        return "Fused" + super.toString();
    }
}
