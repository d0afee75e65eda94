package io.github.structnet.pnp;

import org.nd4j.linalg.api.ndarray.INDArray;

/** K = I (denoising): Kᵀ = I, ‖K‖₂ = 1. */
public final class IdentityOperator implements ImageOperator {

    private final long[] shape;

    public IdentityOperator(long channels, long height, long width) {
        this.shape = Images.shape(channels, height, width, "IdentityOperator");
    }

    @Override
    public INDArray apply(INDArray x) {
        Images.require(x, shape, describe(), "input x");
        return x.dup();
    }

    @Override
    public INDArray adjoint(INDArray y) {
        Images.require(y, shape, describe(), "input y");
        return y.dup();
    }

    @Override
    public double normBound() {
        return 1.0;
    }

    @Override
    public long[] imageShape() {
        return shape.clone();
    }

    @Override
    public String describe() {
        return "IdentityOperator(" + shape[1] + "x" + shape[2] + "x" + shape[3] + ")";
    }
}
