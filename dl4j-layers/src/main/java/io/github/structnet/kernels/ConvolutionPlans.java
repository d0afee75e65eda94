package io.github.structnet.kernels;

import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.convolution_backward_data;
import org.bytedeco.dnnl.convolution_backward_weights;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;

/** The oneDNN primitives and memory of {@link DirectConvolution}, built once per shape and thread. */
final class ConvolutionPlans {

    private ConvolutionPlans() {
    }

    /**
     * The scratch buffer each operand's internal layout uses during a call. A forward and a backward pass never run at
     * once on one thread, so their operands share the first buffers; within a pass every operand has its own.
     */
    enum Slot {
        INPUT(0), WEIGHTS(1), BIAS(2), OUTPUT(3),
        INPUT_FOR_WEIGHTS(0), WEIGHTS_FOR_DATA(1), GRADIENT_FOR_WEIGHTS(2), GRADIENT_FOR_DATA(3), INPUT_GRADIENT(4),
        WEIGHT_GRADIENT(5), BIAS_GRADIENT(6);

        private final int buffer;

        Slot(int buffer) {
            this.buffer = buffer;
        }
    }

    /**
     * Reusable native buffers of one thread for the operands' internal layouts, which are needed only during a call:
     * the slots are shared by all of the thread's plans, so memory grows with the largest shape, not with the number
     * of shapes. Buffers are 64-byte aligned.
     */
    static final class Scratch {
        private static final int ALIGNMENT = 64;
        private final List<BytePointer> buffers = new ArrayList<>();
        private final List<Long> sizes = new ArrayList<>();

        Pointer slot(Slot slot, long bytes) {
            int index = slot.buffer;
            while (buffers.size() <= index) {
                buffers.add(null);
                sizes.add(0L);
            }
            if (sizes.get(index) < bytes) {
                BytePointer old = buffers.get(index);
                if (old != null) {
                    old.deallocate();
                }
                BytePointer raw = new BytePointer(bytes + ALIGNMENT);
                raw.position((ALIGNMENT - raw.address() % ALIGNMENT) % ALIGNMENT);
                buffers.set(index, raw);
                sizes.set(index, bytes);
            }
            return buffers.get(index);
        }
    }

    /**
     * An array as oneDNN sees it: the user memory on the ND4J buffer (its address set before each call) and, when the
     * primitive wants another layout, an internal memory of that layout in a {@link Scratch} slot, with the reorder
     * between the two.
     */
    static final class Operand implements AutoCloseable {
        private final memory user;
        private final memory internal;
        private final Slot slot;
        private final reorder toInternal;
        private final reorder toUser;

        /**
         * @param slot the scratch slot of the internal layout
         */
        Operand(engine engine, memory.desc userLayout, memory.desc wanted, Slot slot, boolean readIn,
                boolean writeBack) {
            this.user = new memory(userLayout, engine, (Pointer) null);
            boolean same = userLayout.equals(wanted);
            this.internal = same ? user : new memory(wanted, engine, (Pointer) null);
            this.slot = same ? null : slot;
            this.toInternal = same || !readIn ? null : new reorder(user, internal);
            this.toUser = same || !writeBack ? null : new reorder(internal, user);
        }

        memory internal() {
            return internal;
        }

        void bind(INDArray array, Scratch scratch) {
            user.set_data_handle(array.data().addressPointer());
            if (slot != null) {
                internal.set_data_handle(scratch.slot(slot, internal.get_desc().get_size()));
            }
        }

        void readIn(stream s) {
            if (toInternal != null) {
                toInternal.execute(s, user, internal);
            }
        }

        void writeBack(stream s) {
            if (toUser != null) {
                toUser.execute(s, internal, user);
            }
        }

        /** Frees the native memory objects and reorders (not the arrays bound to them, nor the scratch). */
        @Override
        public void close() {
            Native.close(toInternal, toUser, internal == user ? null : internal, user);
        }
    }

    /** out ← K x (+ b). */
    static final class ForwardPlan implements AutoCloseable {
        private final stream stream;
        private final Scratch scratch;
        private final Operand input;
        private final Operand weights;
        private final Operand bias;
        private final Operand output;
        private final convolution_forward primitive;
        private final IntMemoryMap args = new IntMemoryMap();

        /** The plan, or null when oneDNN cannot fuse the key's ReLU into the algorithm chosen for the shape. */
        static ForwardPlan of(engine engine, stream stream, Scratch scratch, DirectConvolution.PlanKey key) {
            Chosen chosen = forwardDescriptor(engine, key);
            return chosen == null ? null : new ForwardPlan(engine, stream, scratch, key, chosen.descriptor());
        }

        private ForwardPlan(engine engine, stream stream, Scratch scratch, DirectConvolution.PlanKey key,
                            convolution_forward.primitive_desc pd) {
            ConvolutionShape s = key.shape();
            this.stream = stream;
            this.scratch = scratch;
            this.input = new Operand(engine, s.userInput(), pd.src_desc(), Slot.INPUT, true, false);
            this.weights = new Operand(engine, s.userWeights(), pd.weights_desc(), Slot.WEIGHTS, true, false);
            this.bias = key.bias() ? new Operand(engine, s.biasLayout(), pd.bias_desc(), Slot.BIAS, true, false) : null;
            this.output = new Operand(engine, s.userOutput(), pd.dst_desc(), Slot.OUTPUT, false, true);
            this.primitive = new convolution_forward(pd);
            args.put(dnnl.DNNL_ARG_SRC, input.internal());
            args.put(dnnl.DNNL_ARG_WEIGHTS, weights.internal());
            if (bias != null) {
                args.put(dnnl.DNNL_ARG_BIAS, bias.internal());
            }
            args.put(dnnl.DNNL_ARG_DST, output.internal());
        }

        void run(INDArray x, INDArray k, INDArray b, INDArray out) {
            input.bind(x, scratch);
            weights.bind(k, scratch);
            output.bind(out, scratch);
            input.readIn(stream);
            weights.readIn(stream);
            if (bias != null) {
                bias.bind(b, scratch);
                bias.readIn(stream);
            }
            primitive.execute(stream, args);
            output.writeBack(stream);
            stream._wait();
        }

        @Override
        public void close() {
            Native.close(primitive, args);
            Native.close(input, weights, bias, output);
        }
    }

    /** ∂x = Kᵀ g, ∂K and (with a bias) ∂b for an output gradient g. */
    static final class BackwardPlan implements AutoCloseable {
        private final stream stream;
        private final Scratch scratch;
        private final Operand inputForWeights;
        private final Operand weightsForData;
        private final Operand gradientForData;
        private final Operand gradientForWeights;
        private final Operand inputGradient;
        private final Operand weightGradient;
        private final Operand biasGradient;
        private final convolution_backward_data data;
        private final convolution_backward_weights weights;
        private final IntMemoryMap dataArgs = new IntMemoryMap();
        private final IntMemoryMap weightArgs = new IntMemoryMap();

        BackwardPlan(engine engine, stream stream, Scratch scratch, DirectConvolution.PlanKey key) {
            ConvolutionShape s = key.shape();
            Chosen chosen = forwardDescriptor(engine, key);
            convolution_backward_data.primitive_desc dataPd = chosen.data(engine, s);
            convolution_backward_weights.primitive_desc weightPd = chosen.weights(engine, key);
            this.stream = stream;
            this.scratch = scratch;
            this.inputForWeights = new Operand(engine, s.userInput(), weightPd.src_desc(), Slot.INPUT_FOR_WEIGHTS, true,
                    false);
            this.weightsForData = new Operand(engine, s.userWeights(), dataPd.weights_desc(), Slot.WEIGHTS_FOR_DATA,
                    true, false);
            this.gradientForWeights = new Operand(engine, s.userOutput(), weightPd.diff_dst_desc(),
                    Slot.GRADIENT_FOR_WEIGHTS, true, false);
            // ND4J reorders the output gradient once per primitive; one reorder serves both when the layouts agree
            this.gradientForData = dataPd.diff_dst_desc().equals(weightPd.diff_dst_desc())
                    ? gradientForWeights
                    : new Operand(engine, s.userOutput(), dataPd.diff_dst_desc(), Slot.GRADIENT_FOR_DATA, true, false);
            this.inputGradient = new Operand(engine, s.userInput(), dataPd.diff_src_desc(), Slot.INPUT_GRADIENT, false,
                    true);
            this.weightGradient = new Operand(engine, s.userWeights(), weightPd.diff_weights_desc(),
                    Slot.WEIGHT_GRADIENT, false, true);
            this.biasGradient = key.bias()
                    ? new Operand(engine, s.biasLayout(), weightPd.diff_bias_desc(), Slot.BIAS_GRADIENT, false, true)
                            : null;
            this.data = new convolution_backward_data(dataPd);
            this.weights = new convolution_backward_weights(weightPd);
            dataArgs.put(dnnl.DNNL_ARG_DIFF_DST, gradientForData.internal());
            dataArgs.put(dnnl.DNNL_ARG_WEIGHTS, weightsForData.internal());
            dataArgs.put(dnnl.DNNL_ARG_DIFF_SRC, inputGradient.internal());
            weightArgs.put(dnnl.DNNL_ARG_SRC, inputForWeights.internal());
            weightArgs.put(dnnl.DNNL_ARG_DIFF_DST, gradientForWeights.internal());
            weightArgs.put(dnnl.DNNL_ARG_DIFF_WEIGHTS, weightGradient.internal());
            if (biasGradient != null) {
                weightArgs.put(dnnl.DNNL_ARG_DIFF_BIAS, biasGradient.internal());
            }
        }

        void run(INDArray x, INDArray k, INDArray g, INDArray gradX, INDArray gradK, INDArray gradB) {
            inputForWeights.bind(x, scratch);
            weightsForData.bind(k, scratch);
            gradientForWeights.bind(g, scratch);
            gradientForData.bind(g, scratch);
            inputGradient.bind(gradX, scratch);
            weightGradient.bind(gradK, scratch);
            gradientForWeights.readIn(stream);
            if (gradientForData != gradientForWeights) {
                gradientForData.readIn(stream);
            }
            weightsForData.readIn(stream);
            data.execute(stream, dataArgs);
            inputGradient.writeBack(stream);
            inputForWeights.readIn(stream);
            if (biasGradient != null) {
                biasGradient.bind(gradB, scratch);
            }
            weights.execute(stream, weightArgs);
            weightGradient.writeBack(stream);
            if (biasGradient != null) {
                biasGradient.writeBack(stream);
            }
            stream._wait();
        }

        @Override
        public void close() {
            Native.close(data, weights, dataArgs, weightArgs);
            Native.close(inputForWeights, weightsForData, gradientForWeights,
                    gradientForData == gradientForWeights ? null : gradientForData, inputGradient, weightGradient,
                    biasGradient);
        }
    }

    /**
     * Winograd for 3×3 kernels where oneDNN offers it for the shape, otherwise the direct algorithm; with a fused ReLU
     * only the first of these (null if oneDNN cannot fuse it there: the unfused pair is then faster).
     */
    static Chosen forwardDescriptor(engine engine, DirectConvolution.PlanKey key) {
        ConvolutionShape s = key.shape();
        List<dnnl.algorithm> algorithms = key.rectified() ? s.algorithms().subList(0, 1) : s.algorithms();
        for (dnnl.algorithm algorithm : algorithms) {
            try {
                convolution_forward.desc d = key.bias()
                        ? new convolution_forward.desc(dnnl.prop_kind.forward_training, algorithm, s.anyInput(),
                                s.anyWeights(), s.biasLayout(), s.anyOutput(), s.strides(), s.padding(), s.padding())
                        : new convolution_forward.desc(dnnl.prop_kind.forward_training, algorithm, s.anyInput(),
                                s.anyWeights(), s.anyOutput(), s.strides(), s.padding(), s.padding());
                return new Chosen(key.rectified() ? new convolution_forward.primitive_desc(d, rectifier(), engine)
                        : new convolution_forward.primitive_desc(d, engine), algorithm);
            } catch (RuntimeException notOffered) {
                // oneDNN has no implementation of this algorithm (with this post-op) for the shape; try the next
            }
        }
        if (key.rectified()) {
            return null;
        }
        throw new IllegalStateException("oneDNN offers no convolution for " + s);
    }

    private static primitive_attr rectifier() {
        post_ops ops = new post_ops();
        ops.append_eltwise(1f, dnnl.algorithm.eltwise_relu, 0f, 0f);
        primitive_attr attr = new primitive_attr();
        attr.set_post_ops(ops);
        return attr;
    }

    /** A forward primitive descriptor and the algorithm it was created with (the backward passes use the same). */
    record Chosen(convolution_forward.primitive_desc descriptor, dnnl.algorithm algorithm) {

        convolution_backward_data.primitive_desc data(engine engine, ConvolutionShape s) {
            return new convolution_backward_data.primitive_desc(new convolution_backward_data.desc(algorithm,
                    s.anyInput(), s.anyWeights(), s.anyOutput(), s.strides(), s.padding(), s.padding()), engine,
                    descriptor);
        }

        convolution_backward_weights.primitive_desc weights(engine engine, DirectConvolution.PlanKey key) {
            ConvolutionShape s = key.shape();
            convolution_backward_weights.desc d = key.bias()
                    ? new convolution_backward_weights.desc(algorithm, s.anyInput(), s.anyWeights(), s.biasLayout(),
                            s.anyOutput(), s.strides(), s.padding(), s.padding())
                    : new convolution_backward_weights.desc(algorithm, s.anyInput(), s.anyWeights(), s.anyOutput(),
                            s.strides(), s.padding(), s.padding());
            return new convolution_backward_weights.primitive_desc(d, engine, descriptor);
        }
    }
}
