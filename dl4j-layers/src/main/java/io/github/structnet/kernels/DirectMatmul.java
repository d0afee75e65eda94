package io.github.structnet.kernels;

import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.matmul;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Large float products C ← α op(A) op(B) + β C (β = 0 or 1) through oneDNN 2.5's matmul, called directly with the
 * primitive built once per shape, strides and β, and α passed at run time.
 * Returns false, doing nothing, where it cannot take the operands (see {@link #gemm}); {@link Gemm} then uses ND4J.
 */
final class DirectMatmul {

    /** Products of more multiply–adds than this come here (smaller ones go to OpenBLAS on the calling thread). */
    static final long MIN_WORK = DirectBlas.MAX_PRODUCT_WORK;
    private static final ThreadLocal<PlanCache<Key, Plan>> PLANS = ThreadLocal.withInitial(PlanCache::new);

    private DirectMatmul() {
    }

    /**
     * Closes the plans this thread holds and gives it an empty cache of {@code capacity} keys (for tests that evict
     * real plans without building a default capacity's worth of them).
     */
    static void replacePlanCache(int capacity) {
        PLANS.get().clear();
        PLANS.set(new PlanCache<>(capacity));
    }

    /**
     * C ← α op(A) op(B) + β C with op(A) [m, k], op(B) [k, n], when the operands allow it: oneDNN loaded, float
     * operands, β 0 or 1, m, n, k all above 1, more than {@link #MIN_WORK} multiply–adds, strides a plain matrix can
     * express (C row-major).
     */
    static boolean gemm(INDArray a, boolean transposeA, INDArray b, boolean transposeB, double alpha, double beta,
                        INDArray c, long m, long n, long k) {
        if (beta != 0.0 && beta != 1.0) {
            return false;
        }
        return run(a, transposeA, b, transposeB, alpha, beta != 0.0, null, false, null, c, m, n, k);
    }

    /**
     * C ← α op(A) op(B) + D with D [m, n] (shape checked by {@link Gemm#onto}) read by oneDNN's binary-add post-op:
     * one pass over C where a copy of D into C and an accumulating product took two. Same conditions as {@link #gemm},
     * and D a float matrix with unit column stride.
     */
    static boolean onto(INDArray a, boolean transposeA, INDArray b, boolean transposeB, double alpha, INDArray d,
                        INDArray c, long m, long n, long k) {
        if (d.dataType() != DataType.FLOAT || (n > 1 && d.stride(1) != 1)) {
            return false;
        }
        return run(a, transposeA, b, transposeB, alpha, false, null, false, d, c, m, n, k);
    }

    /**
     * C ← σ(op(A) op(B) + 1 r) with the row r [1, n] as oneDNN's bias and σ = ReLU as a post-op when {@code rectify}
     * (the identity otherwise): one pass over C instead of a broadcast, an accumulating product and an activation.
     * Same conditions as {@link #gemm}, and r a float row of n elements (checked by {@link Gemm#affine}) with unit
     * stride.
     */
    static boolean affine(INDArray a, boolean transposeA, INDArray b, boolean transposeB, INDArray row, boolean rectify,
                          INDArray c, long m, long n, long k) {
        if (row.dataType() != DataType.FLOAT || row.elementWiseStride() != 1) {
            return false;
        }
        return run(a, transposeA, b, transposeB, 1.0, false, row, rectify, null, c, m, n, k);
    }

    private static boolean run(INDArray a, boolean transposeA, INDArray b, boolean transposeB, double alpha,
                               boolean accumulate, INDArray bias, boolean rectify, INDArray addend, INDArray c,
                               long m, long n, long k) {
        if (m * n * k <= MIN_WORK || m < 2 || n < 2 || k < 2
                || a.dataType() != DataType.FLOAT || b.dataType() != DataType.FLOAT || c.dataType() != DataType.FLOAT
                || a.rank() != 2 || b.rank() != 2 || c.stride(1) != 1) {
            return false;
        }
        if (OneDnn.engine() == null) {
            return false;
        }
        // op(X) as a logical matrix: a transpose swaps the strides, never copies
        long[] stridesA = transposeA ? new long[]{a.stride(1), a.stride(0)} : new long[]{a.stride(0), a.stride(1)};
        long[] stridesB = transposeB ? new long[]{b.stride(1), b.stride(0)} : new long[]{b.stride(0), b.stride(1)};
        if (Math.min(stridesA[0], stridesA[1]) != 1 || Math.min(stridesB[0], stridesB[1]) != 1) {
            return false; // neither rows nor columns contiguous: ND4J copies such views itself
        }
        Key key = new Key(m, n, k, stridesA[0], stridesA[1], stridesB[0], stridesB[1], c.stride(0), accumulate,
                bias != null, rectify, addend == null ? 0 : addend.stride(0));
        Plan plan = PLANS.get().get(key, kk -> new Plan(OneDnn.loadedEngine(), OneDnn.stream(), kk));
        if (plan == null) {
            return false;
        }
        plan.run(a, b, bias, addend, c, (float) alpha);
        return true;
    }

    /**
     * Shape, strides, whether C is accumulated into, whether a bias row is added, whether ReLU follows, and the row
     * stride of an addend D (0 for none).
     */
    private record Key(long m, long n, long k, long a0, long a1, long b0, long b1, long ldc, boolean accumulate,
                       boolean bias, boolean rectify, long addendLd) {
    }

    /** The primitive of one key for one thread, with its memories and the run-time α. */
    private static final class Plan implements AutoCloseable {
        private final stream stream;
        private final memory a;
        private final memory b;
        private final memory c;
        private final memory bias;
        private final memory addend;
        private final FloatPointer alpha = new FloatPointer(1);
        private final memory scale;
        private final matmul primitive;
        private final IntMemoryMap args = new IntMemoryMap();

        Plan(engine engine, stream stream, Key key) {
            this.stream = stream;
            memory.desc da = new memory.desc(new long[]{key.m(), key.k()}, memory.data_type.f32,
                    new long[]{key.a0(), key.a1()});
            memory.desc db = new memory.desc(new long[]{key.k(), key.n()}, memory.data_type.f32,
                    new long[]{key.b0(), key.b1()});
            memory.desc dc = new memory.desc(new long[]{key.m(), key.n()}, memory.data_type.f32,
                    new long[]{key.ldc(), 1});
            primitive_attr attr = new primitive_attr();
            attr.set_output_scales(0, new float[]{(float) dnnl.DNNL_RUNTIME_F32_VAL});
            post_ops post = new post_ops();
            if (key.accumulate()) {
                post.append_sum();
            }
            memory.desc daddend = key.addendLd() > 0 ? new memory.desc(new long[]{key.m(), key.n()},
                    memory.data_type.f32, new long[]{key.addendLd(), 1}) : null;
            if (daddend != null) {
                post.append_binary(dnnl.algorithm.binary_add, daddend); // post-op 0: its operand is argument 0
            }
            if (key.rectify()) {
                post.append_eltwise(1f, dnnl.algorithm.eltwise_relu, 0f, 0f);
            }
            attr.set_post_ops(post);
            memory.desc dbias = key.bias() ? new memory.desc(new long[]{1, key.n()}, memory.data_type.f32,
                    new long[]{key.n(), 1}) : null;
            matmul.desc desc = dbias != null ? new matmul.desc(da, db, dbias, dc) : new matmul.desc(da, db, dc);
            matmul.primitive_desc pd = new matmul.primitive_desc(desc, attr, engine);
            this.primitive = new matmul(pd);
            this.a = new memory(da, engine, (Pointer) null);
            this.b = new memory(db, engine, (Pointer) null);
            this.c = new memory(dc, engine, (Pointer) null);
            this.bias = dbias != null ? new memory(dbias, engine, (Pointer) null) : null;
            this.addend = daddend != null ? new memory(daddend, engine, (Pointer) null) : null;
            this.scale = new memory(new memory.desc(new long[]{1}, memory.data_type.f32, memory.format_tag.x), engine,
                    alpha);
            args.put(dnnl.DNNL_ARG_SRC, a);
            args.put(dnnl.DNNL_ARG_WEIGHTS, b);
            args.put(dnnl.DNNL_ARG_DST, c);
            args.put(dnnl.DNNL_ARG_ATTR_OUTPUT_SCALES, scale);
            if (bias != null) {
                args.put(dnnl.DNNL_ARG_BIAS, bias);
            }
            if (addend != null) {
                args.put(dnnl.DNNL_ARG_ATTR_MULTIPLE_POST_OP_BASE | dnnl.DNNL_ARG_SRC_1, addend);
            }
        }

        void run(INDArray x, INDArray y, INDArray row, INDArray d, INDArray out, float scale) {
            a.set_data_handle(x.data().addressPointer());
            if (bias != null) {
                bias.set_data_handle(row.data().addressPointer());
            }
            if (addend != null) {
                addend.set_data_handle(d.data().addressPointer());
            }
            b.set_data_handle(y.data().addressPointer());
            c.set_data_handle(out.data().addressPointer());
            alpha.put(0, scale);
            primitive.execute(stream, args);
            stream._wait();
        }

        /** Frees the primitive, its memory objects and α (not the arrays bound to them). */
        @Override
        public void close() {
            Native.close(primitive, args, a, b, c, bias, addend, scale, alpha);
        }
    }
}
