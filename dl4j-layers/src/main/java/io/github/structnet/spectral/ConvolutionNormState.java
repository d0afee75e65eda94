package io.github.structnet.spectral;

import io.github.structnet.kernels.Convolutions;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.controlflow.compat.StopGradient;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The operator norm of a layer's convolution K on its actual input size, as convolutional layers use it: a
 * differentiable estimate in the graph, a persistent power-iteration vector v shaped like one input [1, C, H, W]
 * as state, and a certified value at inference.
 * <pre>
 *   σ_used(K) = ‖K v̂‖₂ · c,   v̂ = stopgrad(v) / ‖v‖₂,
 *   c = 1                    while training  (power-iteration estimate; gradients flow through ‖K v̂‖₂),
 *   c = B(K) / ‖K v̂‖₂ ≥ 1    at inference     (B = {@link ConvolutionNorm#upperBound}, so σ_used = B(K) ≥ ‖K‖₂).
 * </pre>
 * <b>Guarantee.</b> At inference σ_used ≥ ‖K‖₂ on H×W inputs for the weights the layer runs with; the bound is
 * cached per bit-exact weight copy ({@link BoundCache}), so it is recomputed whenever the weights change.
 */
public final class ConvolutionNormState {

    private ConvolutionNormState() {
    }

    /**
     * Declares σ_used on the graph, with the [1, 1] placeholder {@code prefix + SCALE_SUFFIX}.
     *
     * @param kernel [k, k, C, C′] weight variable
     * @param v      [1, C, H, W] power-iteration vector variable (state)
     */
    public static SDVariable define(SameDiff sd, String prefix, SDVariable kernel, SDVariable v, int kernelSize,
                                    int stride) {
        SDVariable direction = new StopGradient(sd, v).outputVariable();
        SDVariable image = Convolutions.apply(sd, direction, kernel, null, kernelSize, stride);
        SDVariable scale = sd.placeHolder(prefix + SpectralNormState.SCALE_SUFFIX, kernel.dataType(), 1, 1);
        SDVariable imageNorm = sd.norm2(image.reshape(1, -1), true, 1);
        SDVariable directionNorm = sd.norm2(direction.reshape(1, -1), true, 1);
        return imageNorm.mul(directionNorm.rdiv(1.0)).mul(scale);
    }

    /** The scale placeholder c: 1 while training, B(K)/‖K v̂‖₂ at inference (B cached in {@code cache}). */
    public static INDArray scale(INDArray kernel, INDArray v, int stride, boolean training, BoundCache cache,
                                 String owner) {
        if (training) {
            return Nd4j.ones(kernel.dataType(), 1, 1);
        }
        double bound = certified(kernel, v, stride, cache, owner);
        return SpectralNormState.scaleFor(LinearOperator.ofConvolution(kernel, stride, v.size(2), v.size(3)), v, bound,
                kernel.dataType());
    }

    /** B(K) ≥ ‖K‖₂ on inputs the size of v, cached per bit-exact kernel. */
    public static double certified(INDArray kernel, INDArray v, int stride, BoundCache cache, String owner) {
        long height = v.size(2);
        long width = v.size(3);
        try {
            return cache.get(kernel, stride + ":" + height + "x" + width,
                    () -> ConvolutionNorm.upperBound(kernel, stride, height, width));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(owner + ": cannot certify the operator norm of K: " + e.getMessage(), e);
        }
    }

    /** The power-iteration estimate ‖K v̂‖₂ of ‖K‖₂ for the state vector v [1, C, H, W]. */
    public static double estimate(INDArray kernel, INDArray v, int stride) {
        return SpectralNormState.estimate(LinearOperator.ofConvolution(kernel, stride, v.size(2), v.size(3)), v);
    }

    /** One training iteration's power-iteration steps on K, in place on v. */
    public static void update(INDArray kernel, INDArray v, int stride, int steps, String owner) {
        SpectralNormState.update(LinearOperator.ofConvolution(kernel, stride, v.size(2), v.size(3)), v, steps, owner);
    }

    /** Fills v with a random input and runs {@code steps} iterations on the initial K. */
    public static void initialise(INDArray kernel, INDArray v, int stride, int steps, String owner) {
        v.assign(Nd4j.randn(v.dataType(), v.shape()));
        update(kernel, v, stride, steps, owner);
    }
}
