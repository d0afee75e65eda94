package io.github.structnet.kernels;

import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.memory;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.List;

/**
 * The geometry of a stride-1 "same" convolution of odd square kernel k, as oneDNN describes it: logical dims
 * {N, C, H, W} for input and output whatever the memory layout, weights {C′, C, k, k} stored as ND4J's [k, k, C, C′]
 * (oneDNN's {@code hwio}).
 */
record ConvolutionShape(long batch, long inChannels, long outChannels, long height, long width, long kernel,
                        boolean channelsLast) {

    /** The fewest input and output channels for which Winograd is tried. */
    static final long WINOGRAD_MIN_CHANNELS = 32;

    /** The shape of K x for these operands, or null if they are not such a convolution. */
    static ConvolutionShape of(INDArray x, INDArray weights, boolean channelsLast) {
        if (x == null || weights == null || x.rank() != 4 || weights.rank() != 4) {
            return null;
        }
        long k = weights.size(0);
        if (k != weights.size(1) || k % 2 == 0) {
            return null;
        }
        long channels = x.size(channelsLast ? 3 : 1);
        if (weights.size(2) != channels) {
            return null;
        }
        long height = x.size(channelsLast ? 1 : 2);
        long width = x.size(channelsLast ? 2 : 3);
        return new ConvolutionShape(x.size(0), channels, weights.size(3), height, width, k, channelsLast);
    }

    /** Whether {@code out} has the output's shape. */
    boolean isOutput(INDArray out) {
        long[] expected = channelsLast ? new long[]{batch, height, width, outChannels}
                : new long[]{batch, outChannels, height, width};
        return Arrays.equals(out.shape(), expected);
    }

    /**
     * Winograd first for 3×3 kernels with at least {@value #WINOGRAD_MIN_CHANNELS} input and output channels, then
     * direct; direct alone otherwise (with fewer channels oneDNN's Winograd transforms cost more than they save).
     */
    List<dnnl.algorithm> algorithms() {
        return kernel == 3 && Math.min(inChannels, outChannels) >= WINOGRAD_MIN_CHANNELS
                ? List.of(dnnl.algorithm.convolution_winograd, dnnl.algorithm.convolution_direct)
                : List.of(dnnl.algorithm.convolution_direct);
    }

    memory.desc userInput() {
        return layout(new long[]{batch, inChannels, height, width}, userTag());
    }

    memory.desc userOutput() {
        return layout(new long[]{batch, outChannels, height, width}, userTag());
    }

    memory.desc userWeights() {
        return layout(weightDims(), memory.format_tag.hwio);
    }

    memory.desc biasLayout() {
        return layout(new long[]{outChannels}, memory.format_tag.x);
    }

    memory.desc anyInput() {
        return layout(new long[]{batch, inChannels, height, width}, memory.format_tag.any);
    }

    memory.desc anyOutput() {
        return layout(new long[]{batch, outChannels, height, width}, memory.format_tag.any);
    }

    memory.desc anyWeights() {
        return layout(weightDims(), memory.format_tag.any);
    }

    long[] strides() {
        return new long[]{1, 1};
    }

    long[] padding() {
        return new long[]{kernel / 2, kernel / 2};
    }

    private long[] weightDims() {
        return new long[]{outChannels, inChannels, kernel, kernel};
    }

    private memory.format_tag userTag() {
        return channelsLast ? memory.format_tag.nhwc : memory.format_tag.nchw;
    }

    private static memory.desc layout(long[] dims, memory.format_tag tag) {
        return new memory.desc(dims, memory.data_type.f32, tag);
    }
}
