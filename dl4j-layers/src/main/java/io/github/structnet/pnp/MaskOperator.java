package io.github.structnet.pnp;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

/**
 * Pixel subsampling (inpainting): (K x)_p = m_p x_p with a 0/1 mask m of the image's shape. K is diagonal, so
 * Kᵀ = K and ‖K‖₂ = max_p m_p (1 if any pixel is kept, 0 otherwise). Measurements of dropped pixels are 0.
 */
public final class MaskOperator implements ImageOperator {

    private final INDArray mask;
    private final long[] shape;
    private final double norm;

    /** @param mask [1, C, H, W] with entries 0 or 1 only */
    public MaskOperator(INDArray mask) {
        if (mask == null || mask.rank() != 4 || mask.size(0) != 1) {
            throw new IllegalArgumentException("MaskOperator: the mask must have shape [1, C, H, W]; got "
                    + (mask == null ? "null" : java.util.Arrays.toString(mask.shape())));
        }
        double[] v = Images.values(mask);
        double max = 0;
        for (int i = 0; i < v.length; i++) {
            if (v[i] != 0.0 && v[i] != 1.0) {
                throw new IllegalArgumentException("MaskOperator: mask entries must be 0 or 1; entry " + i + " is "
                        + v[i]);
            }
            max = Math.max(max, v[i]);
        }
        this.mask = mask.castTo(DataType.DOUBLE).dup('c');
        this.shape = mask.shape().clone();
        this.norm = max;
    }

    /** A mask keeping each pixel (all channels together) with probability {@code keep}, seeded. */
    public static MaskOperator random(long channels, long height, long width, double keep, long seed) {
        if (!(keep >= 0 && keep <= 1)) {
            throw new IllegalArgumentException("MaskOperator.random: keep must be in [0, 1]; got " + keep);
        }
        long[] shape = Images.shape(channels, height, width, "MaskOperator");
        INDArray m = Nd4j.zeros(DataType.DOUBLE, shape);
        Random rng = new Random(seed);
        for (long i = 0; i < height; i++) {
            for (long j = 0; j < width; j++) {
                if (rng.nextDouble() < keep) {
                    for (long c = 0; c < channels; c++) {
                        m.putScalar(new long[]{0, c, i, j}, 1.0);
                    }
                }
            }
        }
        return new MaskOperator(m);
    }

    @Override
    public INDArray apply(INDArray x) {
        Images.require(x, shape, describe(), "input x");
        return x.mul(mask.castTo(x.dataType()));
    }

    @Override
    public INDArray adjoint(INDArray y) {
        Images.require(y, shape, describe(), "input y");
        return y.mul(mask.castTo(y.dataType()));
    }

    @Override
    public double normBound() {
        return norm;
    }

    @Override
    public long[] imageShape() {
        return shape.clone();
    }

    @Override
    public String describe() {
        return "MaskOperator(" + shape[1] + "x" + shape[2] + "x" + shape[3] + ")";
    }
}
