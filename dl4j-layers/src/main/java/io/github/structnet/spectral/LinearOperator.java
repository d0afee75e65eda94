package io.github.structnet.spectral;

import io.github.structnet.kernels.Convolutions;
import io.github.structnet.kernels.Gemm;
import org.nd4j.common.base.Preconditions;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A linear map A given by its action and the action of its adjoint Aᵀ, so that spectral-norm
 * estimation serves dense matrices and convolutions alike.
 * <p>Both methods act on a batch of vectors stored along dimension 0, must not modify their argument and return a
 * new array, which the caller may close.
 * The pair must satisfy ⟨A x, y⟩ = ⟨x, Aᵀ y⟩.
 */
public interface LinearOperator {

    /** y = A x, for a batch of inputs. */
    INDArray apply(INDArray x);

    /** x = Aᵀ y, for a batch of outputs. */
    INDArray applyAdjoint(INDArray y);

    /**
     * The matrix W ∈ ℝ^{m×n} (stored as [m, n]) acting on row vectors: A x = x Wᵀ, Aᵀ y = y W.
     *
     * @param w a rank-2 weight matrix [out, in]
     */
    static LinearOperator ofMatrix(INDArray w) {
        Preconditions.checkArgument(w != null && w.rank() == 2,
                "LinearOperator.ofMatrix needs a rank-2 matrix [out, in]; got %s", w == null ? null
                        : w.shapeInfoToString());
        return new LinearOperator() {
            @Override
            public INDArray apply(INDArray x) {
                return Gemm.product(x, false, w, true);
            }

            @Override
            public INDArray applyAdjoint(INDArray y) {
                return Gemm.product(y, false, w, false);
            }
        };
    }

    /**
     * The convolution with kernel K [k, k, C, C′] ("same" zero padding, the given stride) on inputs [mb, C, H, W] of
     * the given spatial size, with its exact adjoint.
     */
    static LinearOperator ofConvolution(INDArray kernel, int stride, long height, long width) {
        return new LinearOperator() {
            @Override
            public INDArray apply(INDArray x) {
                return Convolutions.apply(x, kernel, stride);
            }

            @Override
            public INDArray applyAdjoint(INDArray y) {
                return Convolutions.adjoint(y, kernel, stride, new long[]{y.size(0), kernel.size(2), height, width});
            }
        };
    }
}
