package io.github.structnet.pnp;

import io.github.structnet.kernels.Sums;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/** Checks on images [1, C, H, W] that name who is checking and what was expected. */
public final class Images {

    private Images() {
    }

    /**
     * Requires {@code image} to have exactly {@code shape} ([1, C, H, W]) and only finite pixels.
     *
     * @param owner the operator or solver that needs the image, for the message
     * @param role  what the image is, e.g. "measurement y"
     */
    public static void require(INDArray image, long[] shape, String owner, String role) {
        if (image == null) {
            throw new IllegalArgumentException(owner + ": " + role + " is null");
        }
        if (!Arrays.equals(image.shape(), shape)) {
            throw new IllegalArgumentException(owner + ": " + role + " must have shape " + Arrays.toString(shape)
                    + " ([1, channels, height, width]); got " + Arrays.toString(image.shape()));
        }
        requireFinite(image, owner, role);
    }

    /** Requires only finite pixels; the message gives the count and the first bad index. */
    public static void requireFinite(INDArray image, String owner, String role) {
        if (Double.isFinite(Sums.total(image))) {
            return; // any NaN or infinity makes the sum non-finite; an overflowing sum falls through to the count
        }
        double[] v = values(image);
        long bad = 0;
        int first = -1;
        for (int i = 0; i < v.length; i++) {
            if (!Double.isFinite(v[i])) {
                bad++;
                if (first < 0) {
                    first = i;
                }
            }
        }
        if (bad > 0) {
            throw new IllegalArgumentException(owner + ": " + role + " has " + bad + " NaN or infinite pixel(s), the"
                    + " first at flat index " + first + " of shape " + Arrays.toString(image.shape()));
        }
    }

    /** The values in row-major order, as doubles. */
    public static double[] values(INDArray array) {
        return array.castTo(DataType.DOUBLE).dup('c').data().asDouble();
    }

    /** [1, C, H, W] from channel count and size, after checking they are positive. */
    public static long[] shape(long channels, long height, long width, String owner) {
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException(owner + ": image channels and size must be positive; got " + channels
                    + "x" + height + "x" + width);
        }
        return new long[]{1, channels, height, width};
    }
}
