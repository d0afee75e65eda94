package io.github.structnet.kernels;

import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.scalar.Step;
import org.nd4j.linalg.api.ops.impl.transforms.comparison.CompareAndSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.conditions.Conditions;

/**
 * An element-wise activation a = σ(z) and its backprop σ′(z) ⊙ g, with ReLU, tanh, the sigmoid and the identity on
 * ND4J's fastest routes in 1.0.0-M2.1 (legacy element-wise ops rather than the activation functions' ReLU custom
 * ops; tanh of large float arrays through the oneDNN custom op) and every other activation on DL4J's own
 * implementation.
 * <p>These four need only a in backprop (ReLU′(z) = 1 exactly where a = max(z, 0) &gt; 0, tanh′ = 1 − a²,
 * sigmoid′ = a(1 − a)), so {@link #needsPreActivation} lets a layer keep a alone, or apply σ in place.
 */
public final class ActivationPass {

    /** The array length from which ReLU's backprop takes two vectorised passes instead of one compare-and-set. */
    static final long LARGE = 1L << 20;
    /** The float array length from which tanh runs as the oneDNN custom op (below it the legacy op is faster). */
    static final long ONEDNN_TANH = 1L << 16;

    private ActivationPass() {
    }

    /** Whether {@link #backprop} needs the pre-activation z, or a alone suffices. */
    public static boolean needsPreActivation(Activation f) {
        return f != Activation.RELU && f != Activation.IDENTITY && f != Activation.TANH && f != Activation.SIGMOID;
    }

    /** σ(z) written into {@code out} (which may be z itself, for an in-place activation); returns out. */
    public static INDArray activate(Activation f, INDArray z, INDArray out, boolean training) {
        if (f == Activation.RELU) {
            return relu(z, out);
        }
        if (f == Activation.TANH && z.dataType() == DataType.FLOAT && z.length() >= ONEDNN_TANH) {
            // the custom op runs on oneDNN, faster than the legacy op on large arrays and within one ulp of it
            Nd4j.exec(DynamicCustomOp.builder("tanh").addInputs(z).addOutputs(out).build());
            return out;
        }
        if (out != z) {
            out.assign(z);
        }
        if (f != Activation.IDENTITY) {
            INDArray result = f.getActivationFunction().getActivation(out, training);
            if (result != out) {
                out.assign(result);
            }
        }
        return out;
    }

    /**
     * The op of {@link #relu}, one per thread: ND4J's constructors make a new scalar array (a native buffer with its
     * deallocator) at every call.
     */
    private static final ThreadLocal<RectifiedLinear> RELU = ThreadLocal.withInitial(RectifiedLinear::new);

    /** out ← max(z, 0) through the thread's reused op, which holds no array afterwards; returns out. */
    private static INDArray relu(INDArray z, INDArray out) {
        RectifiedLinear op = RELU.get();
        INDArray cutOff = Constants.zeroScalar(z.dataType());
        op.setScalar(cutOff);
        op.setX(z);
        op.setZ(out);
        try {
            Nd4j.exec(op);
        } finally {
            op.setX(cutOff);
            op.setZ(cutOff);
        }
        return out;
    }

    /**
     * σ′(z) ⊙ g, written into g and returned.
     *
     * @param z    the pre-activation (may be null when {@link #needsPreActivation} is false); unchanged
     * @param a    σ(z); unchanged
     * @param work an array shaped like g, overwritten
     */
    public static INDArray backprop(Activation f, INDArray z, INDArray a, INDArray g, INDArray work) {
        switch (f) {
            case RELU -> reluBackprop(a, g, work);
            case TANH -> g.muli(a.mul(a, work).rsubi(1.0));          // tanh′ = 1 − a²
            case SIGMOID -> g.muli(a.rsub(1.0, work).muli(a));       // sigmoid′ = a (1 − a)
            case IDENTITY -> {
            }
            default -> {
                INDArray grad = f.getActivationFunction().backprop(work.assign(z), g).getFirst();
                if (grad != g) {
                    g.assign(grad);
                }
            }
        }
        return g;
    }

    /**
     * ReLU′ ⊙ g with ReLU′ = 1 where a = max(z, 0) &gt; 0. Small arrays: one compare-and-set (g takes a's value, 0,
     * where a ≤ 0). From {@value #LARGE} elements on: the step mask 1[a &gt; 0] into work and a multiply, two
     * vectorised passes, faster than the compare-and-set on large arrays inside a training step and slower on small
     * ones.
     */
    private static void reluBackprop(INDArray a, INDArray g, INDArray work) {
        if (g.length() >= LARGE) {
            Nd4j.exec(new Step(a, work, 0.0));
            g.muli(work);
        } else {
            Nd4j.exec(new CompareAndSet(g, a, g, Conditions.lessThanOrEqual(0)));
        }
    }
}
