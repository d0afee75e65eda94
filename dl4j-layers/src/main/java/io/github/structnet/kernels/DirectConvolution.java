package io.github.structnet.kernels;

import io.github.structnet.kernels.ConvolutionPlans.BackwardPlan;
import io.github.structnet.kernels.ConvolutionPlans.ForwardPlan;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Float "same" k×k convolutions with stride 1 (odd k) and their gradients, computed by calling oneDNN 2.5 directly
 * ({@code org.bytedeco:dnnl}) with primitives built once per shape and kept for the calling thread.
 * <pre>
 *   forward:  out = K x (+ b)                       x [N, C, H, W] or [N, H, W, C], K [k, k, C, C′], b [C′]
 *   backward: ∂x = Kᵀ g,  ∂K = Σ x ⋆ g,  ∂b = Σ g    for an output gradient g
 * </pre>
 * Why: ND4J 1.0.0-M2.1 rebuilds oneDNN's primitive descriptors on every {@code conv2d}/{@code conv2d_bp} call, reorders
 * the output gradient twice in {@code conv2d_bp}, and runs the forward pass with the direct algorithm while its
 * backward pass already uses Winograd F(4×4, 3×3). Here every pass of a 3×3 kernel runs Winograd (direct where oneDNN
 * has no Winograd for the shape), each operand is reordered once, and nothing is rebuilt. Relative error against
 * double precision: 2e-7 forward and 6e-7 for the input gradient, the same as ND4J's float results (tested).
 * <p>The methods return false, and do nothing, when they cannot take the operands: another backend than ND4J's CPU
 * backend, another data type than float, arrays that are not contiguous in c order, an even or non-square kernel,
 * inconsistent shapes, oneDNN unavailable on the platform, or the route switched off with
 * {@code -Dstructnet.oneDnn=false} (read on every call). Callers then use ND4J's ops.
 */
public final class DirectConvolution {

    private static final ThreadLocal<ThreadPlans> PLANS = ThreadLocal.withInitial(ThreadPlans::new);
    private static final AtomicLong CALLS = new AtomicLong();

    private DirectConvolution() {
    }

    /** Whether convolutions can run here ({@link OneDnn#isActive}). */
    public static boolean isAvailable() {
        return OneDnn.isActive();
    }

    /** Calls computed here since the JVM started (for tests that check the route was taken). */
    static long calls() {
        return CALLS.get();
    }

    /**
     * out ← K x (+ b) when the operands allow it.
     *
     * @param channelsLast true for [N, H, W, C] arrays, false for [N, C, H, W]
     * @param bias         [C′] or null
     * @param out          the output, shaped like x with C′ channels; overwritten
     * @return whether the convolution was computed here
     */
    public static boolean forward(INDArray x, INDArray weights, INDArray bias, boolean channelsLast, INDArray out) {
        return forward(x, weights, bias, channelsLast, false, out);
    }

    /**
     * out ← max(K x (+ b), 0) in one pass (ReLU as a oneDNN post-op), when the operands allow it and oneDNN can fuse
     * the rectifier into the algorithm {@link #forward} would use; otherwise nothing is done.
     *
     * @return whether the rectified convolution was computed here
     */
    public static boolean forwardRectified(INDArray x, INDArray weights, INDArray bias, boolean channelsLast,
                                           INDArray out) {
        return forward(x, weights, bias, channelsLast, true, out);
    }

    private static boolean forward(INDArray x, INDArray weights, INDArray bias, boolean channelsLast, boolean rectified,
                                   INDArray out) {
        ConvolutionShape shape = ConvolutionShape.of(x, weights, channelsLast);
        if (shape == null || !ready(x, weights, out) || (bias != null && !ready(bias))
                || !shape.isOutput(out) || (bias != null && bias.length() != shape.outChannels())) {
            return false;
        }
        ForwardPlan plan = PLANS.get().forward(new PlanKey(shape, bias != null, rectified));
        if (plan == null) {
            return false;
        }
        plan.run(x, weights, bias, out);
        CALLS.incrementAndGet();
        return true;
    }

    /**
     * The gradients of out = K x (+ b) for an output gradient g, when the operands allow it.
     *
     * @param bias         [C′] or null (then {@code biasGradient} is ignored)
     * @param gradient     g, shaped like the output
     * @param inputGradient  ∂x, shaped like x; overwritten
     * @param weightGradient ∂K, shaped like K; overwritten
     * @param biasGradient   ∂b [C′]; overwritten when bias is given
     * @return whether the gradients were computed here
     */
    public static boolean backward(INDArray x, INDArray weights, INDArray bias, INDArray gradient, boolean channelsLast,
                                   INDArray inputGradient, INDArray weightGradient, INDArray biasGradient) {
        ConvolutionShape shape = ConvolutionShape.of(x, weights, channelsLast);
        boolean withBias = bias != null;
        if (shape == null || !ready(x, weights, gradient, inputGradient, weightGradient)
                || (withBias && !ready(biasGradient)) || !shape.isOutput(gradient)
                || !Arrays.equals(inputGradient.shape(), x.shape())
                || !Arrays.equals(weightGradient.shape(), weights.shape())
                || (withBias && biasGradient.length() != shape.outChannels())) {
            return false;
        }
        BackwardPlan plan = PLANS.get().backward(new PlanKey(shape, withBias, false));
        if (plan == null) {
            return false;
        }
        plan.run(x, weights, gradient, inputGradient, weightGradient, withBias ? biasGradient : null);
        CALLS.incrementAndGet();
        return true;
    }

    private static boolean ready(INDArray... arrays) {
        if (OneDnn.engine() == null) {
            return false;
        }
        for (INDArray a : arrays) {
            if (a == null || a.dataType() != DataType.FLOAT || a.length() == 0 || !DirectBlas.isContiguous(a)) {
                return false;
            }
        }
        return true;
    }

    /** What a set of primitives is built for: the convolution's shape, whether it has a bias and a fused ReLU. */
    record PlanKey(ConvolutionShape shape, boolean bias, boolean rectified) {
    }

    /** The primitives of one thread, per shape, on the thread's stream ({@link OneDnn#stream}). */
    private static final class ThreadPlans {
        private final ConvolutionPlans.Scratch scratch = new ConvolutionPlans.Scratch();
        private final PlanCache<PlanKey, ForwardPlan> forward = new PlanCache<>();
        private final PlanCache<PlanKey, BackwardPlan> backward = new PlanCache<>();

        ForwardPlan forward(PlanKey key) {
            return forward.get(key, k -> ForwardPlan.of(OneDnn.loadedEngine(), OneDnn.stream(), scratch, k));
        }

        BackwardPlan backward(PlanKey key) {
            return backward.get(key, k -> new BackwardPlan(OneDnn.loadedEngine(), OneDnn.stream(), scratch, k));
        }
    }
}
