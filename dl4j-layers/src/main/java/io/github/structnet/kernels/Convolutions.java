package io.github.structnet.kernels;

import io.github.structnet.kernels.Constants;
import io.github.structnet.kernels.DirectConvolution;
import io.github.structnet.kernels.Gemm;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A zero-padded ("same") k×k convolution K with stride 1 or 2 and its exact adjoint Kᵀ, NCHW (and NHWC where a
 * layout is given), on SameDiff graphs and on plain ND4J arrays.
 * <pre>
 *   K: [mb, C, H, W] → [mb, C′, ⌈H/s⌉, ⌈W/s⌉],   weights [k, k, C, C′]
 *   Kᵀ (stride 1) = the convolution with the spatially flipped, channel-swapped kernel K̃,
 *                   K̃[a, b, o, i] = K[k−1−a, k−1−b, i, o]
 *   Kᵀ (stride 2) = the input gradient of K (ND4J only, for power iteration)
 * </pre>
 * The flipped-kernel convolution is the adjoint because "same" padding with an odd kernel is symmetric; it runs
 * on oneDNN's fast convolution path rather than the much slower conv-transpose. The tests check
 * ⟨K x, y⟩ = ⟨x, Kᵀ y⟩ to 1e-10 in double precision for every pair.
 * <p>On ND4J arrays, float stride-1 convolutions go to {@link DirectConvolution} (oneDNN called directly); everything
 * it does not take (double precision, stride 2, strided views, other backends) runs on ND4J's ops.
 */
public final class Convolutions {

    private Convolutions() {
    }

    /** The SameDiff / ND4J configuration of a "same" k×k convolution with the given stride, NCHW. */
    public static Conv2DConfig config(int kernel, int stride) {
        return config(kernel, stride, CNN2DFormat.NCHW);
    }

    /** The SameDiff / ND4J configuration of a "same" k×k convolution with the given stride and layout. */
    public static Conv2DConfig config(int kernel, int stride, CNN2DFormat format) {
        return Conv2DConfig.builder().kH(kernel).kW(kernel).sH(stride).sW(stride)
                .paddingMode(PaddingMode.SAME).dataFormat(format.name()).build();
    }

    /** K x (stride 1), optionally plus a bias [C′]. */
    public static SDVariable apply(SameDiff sd, SDVariable x, SDVariable weights, SDVariable bias, int kernel) {
        return apply(sd, x, weights, bias, kernel, 1);
    }

    /** K x with the given stride, optionally plus a bias [C′]. */
    public static SDVariable apply(SameDiff sd, SDVariable x, SDVariable weights, SDVariable bias, int kernel,
                                   int stride) {
        return apply(sd, x, weights, bias, kernel, stride, CNN2DFormat.NCHW);
    }

    /** K x with the given stride on inputs of the given layout, optionally plus a bias [C′]. */
    public static SDVariable apply(SameDiff sd, SDVariable x, SDVariable weights, SDVariable bias, int kernel,
                                   int stride, CNN2DFormat format) {
        Conv2DConfig conf = config(kernel, stride, format);
        return bias == null ? sd.cnn().conv2d(x, weights, conf) : sd.cnn().conv2d(x, weights, bias, conf);
    }

    /** Kᵀ y with the weights of {@link #apply} (stride 1), as a flipped-kernel convolution. */
    public static SDVariable adjoint(SameDiff sd, SDVariable y, SDVariable weights, int kernel) {
        return sd.cnn().conv2d(y, flipped(sd, weights), config(kernel, 1));
    }

    /**
     * The flipped, channel-swapped kernel K̃ [k, k, C′, C] on the graph (differentiable). The spatial flip is a
     * product with a constant k²×k² reversal matrix: SameDiff's {@code reverse} op leaks native memory on every
     * execution in ND4J 1.0.0-M2.1 (about 240 kB for a 3×3×16×64 kernel).
     */
    public static SDVariable flipped(SameDiff sd, SDVariable weights) {
        long[] shape = weights.getShape();
        int k = (int) shape[0];
        SDVariable reversal = sd.constant(reversal(k, weights.dataType()));
        return reversal.mmul(weights.reshape(k * k, shape[2] * shape[3])).reshape(shape).permute(0, 1, 3, 2);
    }

    /** K x on ND4J arrays. */
    public static INDArray apply(INDArray x, INDArray weights, int stride) {
        return apply(x, weights, null, stride);
    }

    /**
     * Kᵀ y on ND4J arrays.
     *
     * @param inputShape the shape of K's input (needed for stride 2, where several input sizes map to one output size)
     */
    public static INDArray adjoint(INDArray y, INDArray weights, int stride, long[] inputShape) {
        int k = (int) weights.size(0);
        if (stride == 1) {
            return apply(y, flipped(weights), 1);
        }
        INDArray inputGradient = Nd4j.create(y.dataType(), inputShape);
        // conv2d_bp integer arguments: kH, kW, sH, sW, pH, pW, dH, dW, same mode, NCHW
        Nd4j.exec(DynamicCustomOp.builder("conv2d_bp")
                .addInputs(Nd4j.zeros(y.dataType(), inputShape), weights, y)
                .addOutputs(inputGradient, weights.ulike())
                .addIntegerArguments(k, k, stride, stride, 0, 0, 1, 1, 1, 0).build());
        return inputGradient;
    }

    /** K x + b on ND4J arrays (stride 1 or 2, "same" padding), b [C′]. */
    public static INDArray apply(INDArray x, INDArray weights, INDArray bias, int stride) {
        if (stride == 1) {
            INDArray out = Nd4j.createUninitialized(x.dataType(), x.size(0), weights.size(3), x.size(2), x.size(3));
            return apply(x, weights, bias, 1, CNN2DFormat.NCHW, out);
        }
        int k = (int) weights.size(0);
        return bias == null ? Nd4j.cnn().conv2d(x, weights, config(k, stride))
                : Nd4j.cnn().conv2d(x, weights, bias, config(k, stride));
    }

    /** K x (+ b when {@code bias} is not null) written into {@code out}, which must have the output's shape. */
    public static INDArray apply(INDArray x, INDArray weights, INDArray bias, int stride, INDArray out) {
        return apply(x, weights, bias, stride, CNN2DFormat.NCHW, out);
    }

    /** {@link #apply(INDArray, INDArray, INDArray, int, INDArray)} on arrays of the given layout. */
    public static INDArray apply(INDArray x, INDArray weights, INDArray bias, int stride, CNN2DFormat format,
                                 INDArray out) {
        if (stride == 1 && DirectConvolution.forward(x, weights, bias, format == CNN2DFormat.NHWC, out)) {
            return out;
        }
        int k = (int) weights.size(0);
        DynamicCustomOp.DynamicCustomOpsBuilder op = DynamicCustomOp.builder("conv2d");
        if (bias == null) {
            op.addInputs(x, weights);
        } else {
            op.addInputs(x, weights, bias);
        }
        // conv2d integer arguments: kH, kW, sH, sW, pH, pW, dH, dW, same mode, layout (0 NCHW, 1 NHWC)
        Nd4j.exec(op.addOutputs(out).addIntegerArguments(k, k, stride, stride, 0, 0, 1, 1, 1, layout(format)).build());
        return out;
    }

    /**
     * out ← max(K x + b, 0) (stride 1) in one fused pass where {@link DirectConvolution#forwardRectified} can; returns
     * false, leaving out untouched, where it cannot (the caller then convolves and rectifies separately).
     */
    public static boolean applyRectified(INDArray x, INDArray weights, INDArray bias, CNN2DFormat format,
                                         INDArray out) {
        return DirectConvolution.forwardRectified(x, weights, bias, format == CNN2DFormat.NHWC, out);
    }

    /**
     * Both gradients of y = K x (+ b) for an output gradient g, in one call: {Kᵀ g, ∂⟨g, Kx⟩/∂K} and, when
     * {@code bias} is given, Σ g over batch and space as a third element.
     */
    public static INDArray[] backward(INDArray x, INDArray weights, INDArray bias, INDArray gradient, int stride) {
        return backward(x, weights, bias, gradient, stride, x.ulike(), weights.ulike(), bias == null ? null
                : bias.ulike());
    }

    /**
     * {@link #backward(INDArray, INDArray, INDArray, INDArray, int)} written into the given arrays (shaped like x, the
     * weights and the bias; {@code biasGradient} is ignored when {@code bias} is null).
     */
    public static INDArray[] backward(INDArray x, INDArray weights, INDArray bias, INDArray gradient, int stride,
                                      INDArray inputGradient, INDArray weightGradient, INDArray biasGradient) {
        return backward(x, weights, bias, gradient, stride, CNN2DFormat.NCHW, inputGradient, weightGradient,
                biasGradient);
    }

    /** {@link #backward(INDArray, INDArray, INDArray, INDArray, int, INDArray, INDArray, INDArray)} in a layout. */
    public static INDArray[] backward(INDArray x, INDArray weights, INDArray bias, INDArray gradient, int stride,
                                      CNN2DFormat format, INDArray inputGradient, INDArray weightGradient,
                                      INDArray biasGradient) {
        if (stride == 1 && DirectConvolution.backward(x, weights, bias, gradient, format == CNN2DFormat.NHWC,
                inputGradient, weightGradient, biasGradient)) {
            return bias == null ? new INDArray[]{inputGradient, weightGradient}
                    : new INDArray[]{inputGradient, weightGradient, biasGradient};
        }
        int k = (int) weights.size(0);
        DynamicCustomOp.DynamicCustomOpsBuilder op = DynamicCustomOp.builder("conv2d_bp");
        if (bias == null) {
            op.addInputs(x, weights, gradient).addOutputs(inputGradient, weightGradient);
        } else {
            op.addInputs(x, weights, bias, gradient).addOutputs(inputGradient, weightGradient, biasGradient);
        }
        // conv2d_bp integer arguments: kH, kW, sH, sW, pH, pW, dH, dW, same mode, layout (0 NCHW, 1 NHWC)
        DynamicCustomOp built = op.addIntegerArguments(k, k, stride, stride, 0, 0, 1, 1, 1, layout(format)).build();
        Nd4j.exec(built);
        return built.outputArguments().toArray(new INDArray[0]);
    }

    /** The flipped, channel-swapped kernel K̃ [k, k, C′, C] of ND4J weights [k, k, C, C′]. */
    public static INDArray flipped(INDArray weights) {
        return flipped(weights, 1.0, Nd4j.createUninitialized(weights.dataType(), flippedShape(weights)));
    }

    /** The shape [k, k, C′, C] of K̃ for weights [k, k, C, C′]. */
    public static long[] flippedShape(INDArray weights) {
        return new long[]{weights.size(0), weights.size(1), weights.size(3), weights.size(2)};
    }

    /**
     * α K̃ written into {@code out} [k, k, C′, C]; returns out. Two ND4J calls: the spatial reversal as a product with
     * the (cached) k²×k² reversal matrix, then the channel swap as a permuted copy.
     */
    public static INDArray flipped(INDArray weights, double alpha, INDArray out) {
        INDArray reversed = reversedPositions(weights, alpha);
        out.assign(channelsSwapped(reversed, out));
        reversed.close();
        return out;
    }

    /** {@code target} += α K̃ for weights K [k, k, C, C′] and a target [k, k, C′, C]; returns target. */
    public static INDArray addFlipped(INDArray weights, double alpha, INDArray target) {
        INDArray reversed = reversedPositions(weights, alpha);
        target.addi(channelsSwapped(reversed, target));
        reversed.close();
        return target;
    }

    /** The reversed-position matrix of {@link #reversedPositions} as a view shaped like {@code like} [k, k, C′, C]. */
    private static INDArray channelsSwapped(INDArray reversed, INDArray like) {
        return reversed.reshape('c', like.size(0), like.size(1), like.size(3), like.size(2)).permute(0, 1, 3, 2);
    }

    /** α K with the k² kernel positions in reverse order, as a [k², C·C′] matrix. */
    private static INDArray reversedPositions(INDArray weights, double alpha) {
        int k = (int) weights.size(0);
        org.nd4j.linalg.api.buffer.DataType type = weights.dataType();
        INDArray flat = weights.reshape('c', (long) k * k, weights.size(2) * weights.size(3));
        INDArray reversal = Constants.of("kernel-position reversal", type, k, () -> reversal(k, type));
        return Gemm.accumulate(reversal, false, flat, false, alpha, 0.0, Nd4j.createUninitialized(type, flat.shape()));
    }

    private static int layout(CNN2DFormat format) {
        return format == CNN2DFormat.NHWC ? 1 : 0;
    }

    /** The k²×k² matrix reversing the order of the k² kernel positions: (a, b) ↦ (k−1−a, k−1−b). */
    private static INDArray reversal(int k, org.nd4j.linalg.api.buffer.DataType dataType) {
        int n = k * k;
        INDArray p = Nd4j.zeros(dataType, n, n);
        for (int i = 0; i < n; i++) {
            p.putScalar(i, n - 1 - i, 1.0);
        }
        return p;
    }
}
