package io.github.structnet.pnp;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A linear forward operator K on images [1, C, H, W] of one fixed size, with its exact adjoint
 * (⟨K x, y⟩ = ⟨x, Kᵀ y⟩) and a sound upper bound of its operator norm ‖K‖₂.
 */
public interface ImageOperator {

    /** y = K x. */
    INDArray apply(INDArray x);

    /** x = Kᵀ y. */
    INDArray adjoint(INDArray y);

    /** B ≥ ‖K‖₂, sound (never below the true norm). */
    double normBound();

    /** The image shape [1, C, H, W] the operator acts on. */
    long[] imageShape();

    /** A short description for messages, e.g. "BlurOperator(9x9, 1x128x128)". */
    String describe();

    /**
     * The largest step α of the gradient step x − α Kᵀ(Kx − y) that the certified norm allows: steps must lie in
     * (0, 2/B²).
     */
    default double maxStep() {
        double b = normBound();
        return 2.0 / (b * b);
    }
}
