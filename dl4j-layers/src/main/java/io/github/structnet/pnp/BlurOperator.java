package io.github.structnet.pnp;

import io.github.structnet.spectral.ConvolutionNorm;
import io.github.structnet.kernels.Convolutions;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Blur of every channel by one k×k kernel h (odd k), with zero boundary ("same" size):
 * <pre>
 *   (K x)_c[i, j] = Σ_{a,b} h[a, b] · x_c[i + a − r, j + b − r],   r = (k − 1)/2
 * </pre>
 * Kᵀ is the same operation with the flipped kernel, exactly. ‖K‖₂ is bounded soundly by {@link ConvolutionNorm}
 * on the image size; for a non-negative kernel that sums to 1 it is at most 1.
 */
public final class BlurOperator implements ImageOperator {

    private final INDArray kernel;
    private final long[] shape;
    private final double normBound;

    /**
     * @param kernel a [k, k] kernel, k odd, finite entries
     * @param channels C, the same kernel blurs every channel
     */
    public BlurOperator(INDArray kernel, long channels, long height, long width) {
        this.shape = Images.shape(channels, height, width, "BlurOperator");
        if (kernel == null || kernel.rank() != 2 || kernel.size(0) != kernel.size(1) || kernel.size(0) % 2 == 0) {
            throw new IllegalArgumentException("BlurOperator: the kernel must be a square [k, k] array with odd k (so"
                    + " that \"same\" zero padding is symmetric); got "
                    + (kernel == null ? "null" : java.util.Arrays.toString(kernel.shape())));
        }
        Images.requireFinite(kernel, "BlurOperator", "kernel");
        long k = kernel.size(0);
        this.kernel = kernel.castTo(DataType.DOUBLE).reshape('c', k, k, 1, 1).dup('c');
        this.normBound = ConvolutionNorm.upperBound(this.kernel, 1, height, width);
    }

    @Override
    public INDArray apply(INDArray x) {
        Images.require(x, shape, describe(), "input x");
        return perChannel(x, false);
    }

    @Override
    public INDArray adjoint(INDArray y) {
        Images.require(y, shape, describe(), "input y");
        return perChannel(y, true);
    }

    private INDArray perChannel(INDArray image, boolean adjoint) {
        INDArray stacked = image.reshape('c', shape[1], 1, shape[2], shape[3]);
        INDArray w = kernel.castTo(image.dataType());
        INDArray out = adjoint ? Convolutions.adjoint(stacked, w, 1, stacked.shape()) : Convolutions.apply(stacked, w,
                1);
        return out.reshape('c', shape);
    }

    @Override
    public double normBound() {
        return normBound;
    }

    /** The exact ‖K‖₂ from the SVD of K's dense matrix; small images only (H·W ≤ 4096). */
    public double exactNorm() {
        return ConvolutionNorm.exact(kernel, 1, shape[2], shape[3]);
    }

    @Override
    public long[] imageShape() {
        return shape.clone();
    }

    @Override
    public String describe() {
        return "BlurOperator(" + kernel.size(0) + "x" + kernel.size(1) + ", " + shape[1] + "x" + shape[2] + "x"
                + shape[3] + ")";
    }
}
