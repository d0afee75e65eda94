package io.github.structnet.kernels;

import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.binary;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One Adam step on float arrays in three passes of oneDNN 2.5's element-wise {@code binary} primitive, called
 * directly. With t = iteration + 1 and every constant rounded to float the way ND4J's {@code adam_updater} op does:
 * <pre>
 *   m ← β₁ m + (1 − β₁) g                                  pass 1: binary add, with the two factors as source scales
 *   v ← (1 − β₂) g ⊙ g + β₂ v                              pass 2: binary multiply, with a sum post-op
 *   g ← α_t · m ⊘ (√v + ε),  α_t = η √(1 − β₂ᵗ) / (1 − β₁ᵗ)  pass 3: post-ops √, +ε, x⁻¹, ⊙ m, ⊙ α_t
 * </pre>
 * leaving the update in g, as DL4J's {@code AdamUpdater} does. The result agrees with ND4J 1.0.0-M2.1's op to 3e-7
 * relative per element (m bitwise, v to 6e-8; x⁻¹ is oneDNN's {@code pow} with exponent −1). α_t is read from memory at
 * run time, so one set of primitives per length and hyperparameters serves every iteration.
 */
public final class DirectAdam {

    private static final ThreadLocal<PlanCache<Key, Plan>> PLANS = ThreadLocal.withInitial(PlanCache::new);

    private DirectAdam() {
    }

    /**
     * Applies one Adam step in place (m, v updated; g replaced by the update), if oneDNN can take the arrays: oneDNN
     * active, float arrays of one length, each dense in memory (element-wise stride 1) and laid out alike (vectors, or
     * the same shape and order).
     *
     * @param iteration DL4J's iteration count (0 for the first step); the bias corrections use t = iteration + 1
     * @return false, having changed nothing, when oneDNN cannot take the arrays (the caller then runs ND4J's op)
     */
    public static boolean step(INDArray gradient, INDArray m, INDArray v, double learningRate, double beta1,
                               double beta2, double epsilon, int iteration) {
        if (!accepts(gradient, m, v) || OneDnn.engine() == null) {
            return false;
        }
        Key key = new Key(gradient.length(), (float) beta1, (float) beta2, (float) epsilon);
        Plan plan = PLANS.get().get(key, k -> new Plan(OneDnn.loadedEngine(), OneDnn.stream(), k));
        if (plan == null) {
            return false;
        }
        plan.run(gradient, m, v, stepSize((float) learningRate, key.beta1(), key.beta2(), iteration));
        return true;
    }

    /** α_t = η √(1 − β₂ᵗ) / (1 − β₁ᵗ) in float, t = iteration + 1, as ND4J's op computes it. */
    static float stepSize(float learningRate, float beta1, float beta2, int iteration) {
        float beta1T = (float) Math.pow(beta1, iteration + 1.0);
        float beta2T = (float) Math.pow(beta2, iteration + 1.0);
        return learningRate * (float) Math.sqrt(1f - beta2T) / (1f - beta1T);
    }

    private static boolean accepts(INDArray g, INDArray m, INDArray v) {
        if (g.dataType() != DataType.FLOAT || m.dataType() != DataType.FLOAT || v.dataType() != DataType.FLOAT
                || g.length() != m.length() || g.length() != v.length() || g.length() < 1) {
            return false;
        }
        for (INDArray a : new INDArray[]{g, m, v}) {
            if (a.elementWiseStride() != 1) {
                return false;
            }
        }
        boolean vectors = g.isVector() && m.isVector() && v.isVector();
        return vectors || (g.ordering() == m.ordering() && g.ordering() == v.ordering()
                && java.util.Arrays.equals(g.shape(), m.shape()) && java.util.Arrays.equals(g.shape(), v.shape()));
    }

    /** Length and the float hyperparameters baked into the primitives. */
    private record Key(long length, float beta1, float beta2, float epsilon) {
    }

    /** The three primitives of one key for one thread, with their memories and the run-time α_t. */
    private static final class Plan implements AutoCloseable {
        private final stream stream;
        private final memory gradient;
        private final memory mean;
        private final memory variance;
        private final FloatPointer stepSize = new FloatPointer(1);
        private final binary meanPass;
        private final binary variancePass;
        private final binary updatePass;
        private final IntMemoryMap meanArgs;
        private final IntMemoryMap varianceArgs;
        private final IntMemoryMap updateArgs;
        private final memory step;

        Plan(engine engine, stream stream, Key key) {
            this.stream = stream;
            memory.desc flat = new memory.desc(new long[]{key.length()}, memory.data_type.f32, new long[]{1});
            memory.desc scalar = new memory.desc(new long[]{1}, memory.data_type.f32, new long[]{1});
            gradient = new memory(flat, engine, (Pointer) null);
            mean = new memory(flat, engine, (Pointer) null);
            variance = new memory(flat, engine, (Pointer) null);

            primitive_attr meanAttr = new primitive_attr();
            meanAttr.set_scales(dnnl.DNNL_ARG_SRC_0, 0, new float[]{key.beta1()});
            meanAttr.set_scales(dnnl.DNNL_ARG_SRC_1, 0, new float[]{1f - key.beta1()});
            meanPass = pass(dnnl.algorithm.binary_add, flat, meanAttr, engine);
            meanArgs = arguments(mean, gradient, mean);

            primitive_attr varianceAttr = new primitive_attr();
            varianceAttr.set_scales(dnnl.DNNL_ARG_SRC_0, 0, new float[]{1f - key.beta2()});
            post_ops accumulate = new post_ops();
            accumulate.append_sum(key.beta2(), 0);
            varianceAttr.set_post_ops(accumulate);
            variancePass = pass(dnnl.algorithm.binary_mul, flat, varianceAttr, engine);
            varianceArgs = arguments(gradient, gradient, variance);

            // max(v, v) = v, then the post-ops; oneDNN's eltwise primitive with post-ops falls back to a reference
            // implementation, the binary primitive keeps its JIT kernel
            post_ops update = new post_ops();
            update.append_eltwise(1f, dnnl.algorithm.eltwise_sqrt, 0f, 0f);
            update.append_eltwise(1f, dnnl.algorithm.eltwise_linear, 1f, key.epsilon());
            update.append_eltwise(1f, dnnl.algorithm.eltwise_pow, 1f, -1f);
            update.append_binary(dnnl.algorithm.binary_mul, flat);
            update.append_binary(dnnl.algorithm.binary_mul, scalar);
            primitive_attr updateAttr = new primitive_attr();
            updateAttr.set_post_ops(update);
            updatePass = pass(dnnl.algorithm.binary_max, flat, updateAttr, engine);
            updateArgs = arguments(variance, variance, gradient);
            updateArgs.put(postOpOperand(3), mean);
            step = new memory(scalar, engine, stepSize);
            updateArgs.put(postOpOperand(4), step);
        }

        /** Frees the primitives, the argument maps, the memory objects and the step-size scalar. */
        @Override
        public void close() {
            Native.close(meanPass, variancePass, updatePass, meanArgs, varianceArgs, updateArgs);
            Native.close(gradient, mean, variance, step, stepSize);
        }

        /** One element-wise binary primitive on flat float vectors, with its scales and post-ops. */
        private static binary pass(dnnl.algorithm algorithm, memory.desc flat, primitive_attr attr, engine engine) {
            return new binary(new binary.primitive_desc(new binary.desc(algorithm, flat, flat, flat), attr, engine));
        }

        private static IntMemoryMap arguments(memory first, memory second, memory result) {
            IntMemoryMap args = new IntMemoryMap();
            args.put(dnnl.DNNL_ARG_SRC_0, first);
            args.put(dnnl.DNNL_ARG_SRC_1, second);
            args.put(dnnl.DNNL_ARG_DST, result);
            return args;
        }

        /** The argument index of the second operand of the binary post-op at {@code index}. */
        private static int postOpOperand(int index) {
            return dnnl.DNNL_ARG_ATTR_MULTIPLE_POST_OP_BASE * (index + 1) | dnnl.DNNL_ARG_SRC_1;
        }

        /** ND4J's buffer address of a view already includes the view's offset. */
        void run(INDArray g, INDArray m, INDArray v, float alpha) {
            gradient.set_data_handle(g.data().addressPointer());
            mean.set_data_handle(m.data().addressPointer());
            variance.set_data_handle(v.data().addressPointer());
            stepSize.put(0, alpha);
            meanPass.execute(stream, meanArgs);
            variancePass.execute(stream, varianceArgs);
            updatePass.execute(stream, updateArgs);
            stream._wait();
        }
    }
}
