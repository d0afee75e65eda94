package io.github.structnet.lipschitz;

import io.github.structnet.samediff.DirectPass;
import io.github.structnet.samediff.LayerBuilder;
import io.github.structnet.samediff.PassMemory;
import lombok.Data;
import lombok.EqualsAndHashCode;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

/**
 * GroupSort: the channels are cut into consecutive groups of n and each group is sorted in ascending order,
 * <pre>
 *   y[g·n .. g·n + n − 1] = sort(x[g·n .. g·n + n − 1])      for every group g (and every pixel)
 * </pre>
 * n = 2 gives (min, max) per adjacent pair (deel-lip's GroupSort2); n = C, or {@link Builder#fullSort()}, sorts all
 * channels (FullSort). Feed-forward and convolutional inputs, NCHW or NHWC.
 * <p><b>Guarantee.</b> On each region where the order is fixed the map is a permutation of coordinates, and it is
 * continuous, so it is 1-Lipschitz and norm preserving (‖y‖ = ‖x‖, ‖Jᵀε‖ = ‖ε‖). The graph is an odd–even
 * transposition sorting network (n rounds of min/max on disjoint neighbour pairs, each round one vectorised step),
 * which computes exactly this sort; the runtime uses the direct pass ({@link #forward}, a sort and its permutation),
 * held equal to the graph by a test.
 *
 * @see <a href="https://arxiv.org/abs/1811.05381">Anil, Lucas, Grosse 2019, Sorting out Lipschitz function
 * approximation</a>
 */
@Data
@EqualsAndHashCode(callSuper = true)
public class GroupSort extends ChannelActivationLayer implements DirectPass<GroupSort.Saved> {

    /** The group size n ≥ 2, or 0 for one group of all channels. */
    private int groupSize;

    private GroupSort() {
        // for Jackson
    }

    private GroupSort(Builder b) {
        super(b);
        this.groupSize = b.groupSize;
    }

    /** The group size this layer sorts: n, or the channel count for a full sort. */
    public long effectiveGroupSize() {
        return groupSize == 0 ? channels() : groupSize;
    }

    @Override
    protected void checkChannels(long channels) {
        if (groupSize != 0 && channels % groupSize != 0) {
            throw new IllegalArgumentException(describe() + ": " + channels + " channels do not split into groups of "
                    + groupSize + "; the channel count must be a multiple of the group size");
        }
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> p, SDVariable mask) {
        boolean permute = exampleShape.length == 3 && channelAxis() == 1;
        SDVariable last = permute ? x.permute(0, 2, 3, 1) : x;
        long n = effectiveGroupSize();
        SDVariable groups = last.reshape(-1, n);
        for (int round = 0; round < n; round++) {
            groups = compareExchange(sd, groups, n, round % 2);
        }
        SDVariable sorted = sd.reshape(groups, last.shape());
        return permute ? sorted.permute(0, 3, 1, 2) : sorted;
    }

    /**
     * One round of the odd–even transposition network on rows of length n: the pairs (first, first + 1),
     * (first + 2, first + 3), … are put in order, all at once; entries outside a pair pass through.
     */
    private static SDVariable compareExchange(SameDiff sd, SDVariable rows, long n, int first) {
        long pairs = (n - first) / 2;
        if (pairs == 0) {
            return rows;
        }
        long end = first + 2 * pairs;
        SDVariable body = columns(sd, rows, first, end, 1).reshape(-1, pairs, 2);
        SDVariable a = columns(sd, body, 0, 1, 2);
        SDVariable b = columns(sd, body, 1, 2, 2);
        SDVariable ordered = sd.concat(2, sd.math().min(a, b), sd.math().max(a, b)).reshape(-1, 2 * pairs);
        java.util.List<SDVariable> parts = new java.util.ArrayList<>();
        if (first > 0) {
            parts.add(columns(sd, rows, 0, first, 1));
        }
        parts.add(ordered);
        if (end < n) {
            parts.add(columns(sd, rows, end, n, 1));
        }
        return parts.size() == 1 ? ordered : sd.concat(1, parts.toArray(new SDVariable[0]));
    }

    /** Entries from..to−1 along the last axis (1 or 2) of a rank-2 or rank-3 variable, as a slice. */
    private static SDVariable columns(SameDiff sd, SDVariable x, long from, long to, int axis) {
        int[] begin = new int[axis + 1];
        int[] size = new int[axis + 1];
        java.util.Arrays.fill(size, -1);
        begin[axis] = (int) from;
        size[axis] = (int) (to - from);
        return sd.slice(x, begin, size);
    }

    /** Where each output entry came from: output j of the channels-last rows is input {@code source[j]}. */
    record Saved(int[] source) {
    }

    /**
     * The sort of {@link #defineLayer}, computed directly: each group's entries ordered by value (ties keep their
     * order); the permutation is kept for backprop.
     */
    @Override
    public Forward<Saved> forward(Map<String, INDArray> p, INDArray x, boolean training, PassMemory memory) {
        double[] values = channelsLast(x);
        int n = (int) effectiveGroupSize();
        int[] source = new int[values.length];
        double[] sorted = new double[values.length];
        Integer[] order = new Integer[n];
        for (int start = 0; start < values.length; start += n) {
            for (int i = 0; i < n; i++) {
                order[i] = start + i;
            }
            java.util.Arrays.sort(order, (a, b) -> Double.compare(values[a], values[b]));
            for (int i = 0; i < n; i++) {
                source[start + i] = order[i];
                sorted[start + i] = values[order[i]];
            }
        }
        INDArray out = memory.result(x.dataType(), x.shape());
        out.assign(fromChannelsLast(sorted, x));
        return new Forward<>(x, out, new Saved(source));
    }

    /** The transpose of the permutation: the input entry {@code source[j]} receives ε_j. */
    @Override
    public Backward backward(Map<String, INDArray> p, Forward<Saved> f, INDArray epsilon, PassMemory memory) {
        double[] e = channelsLast(epsilon);
        int[] source = f.saved().source();
        double[] g = new double[e.length];
        for (int j = 0; j < e.length; j++) {
            g[source[j]] = e[j];
        }
        INDArray gradX = memory.result(epsilon.dataType(), epsilon.shape());
        gradX.assign(fromChannelsLast(g, epsilon));
        return new Backward(Map.of(), gradX);
    }

    /** The entries of a [mb, d], [mb, H, W, C] or (permuted) [mb, C, H, W] array with the channels last. */
    private double[] channelsLast(INDArray a) {
        INDArray last = a.rank() == 4 && channelAxis() == 1 ? a.permute(0, 2, 3, 1) : a;
        return last.dup('c').data().asDouble();
    }

    /** The inverse of {@link #channelsLast}: values in channels-last order, shaped like {@code like}. */
    private INDArray fromChannelsLast(double[] values, INDArray like) {
        long[] s = like.shape();
        boolean permute = like.rank() == 4 && channelAxis() == 1;
        long[] lastShape = permute ? new long[]{s[0], s[2], s[3], s[1]} : s;
        INDArray last = Nd4j.createFromArray(values).reshape('c', lastShape).castTo(like.dataType());
        return permute ? last.permute(0, 3, 1, 2) : last;
    }

    /** 1: a continuous, piecewise permutation of coordinates. */
    @Override
    public double lipschitzBound(Map<String, INDArray> params) {
        return 1.0;
    }

    /** Builder. Default: groups of 2 (MaxMin / GroupSort2). */
    public static class Builder extends LayerBuilder<Builder> {
        private int groupSize = 2;

        /** Sort consecutive groups of n ≥ 2 channels; the channel count must be a multiple of n. */
        public Builder groupSize(int n) {
            if (n < 2) {
                throw new IllegalArgumentException(owner() + ": groupSize must be >= 2; got " + n
                        + " (fullSort() sorts all channels)");
            }
            this.groupSize = n;
            return this;
        }

        /** Sort all channels as one group. */
        public Builder fullSort() {
            this.groupSize = 0;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public GroupSort build() {
            return new GroupSort(this);
        }
    }
}
