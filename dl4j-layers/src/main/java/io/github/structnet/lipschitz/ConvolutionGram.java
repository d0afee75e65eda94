package io.github.structnet.lipschitz;

import io.github.structnet.kernels.Release;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The absolute Gram matrix of a convolution over its channels, summed over spatial offsets, from which the AOL and
 * SLL convolutions derive their rescaling.
 * <p>For a k×k kernel K [k, k, C, C′] the operator K Kᵀ (on output channels) is again a convolution, with the
 * (2k−1)×(2k−1) kernel Pᵢⱼ[δ] = Σ_c Σ_u K[u, c, i] K[u + δ, c, j]; KᵀK (on input channels) likewise with
 * Qᵢⱼ[δ] = Σ_o Σ_u K[u, i, o] K[u + δ, j, o]. This class returns Aᵢⱼ = Σ_δ |Pᵢⱼ[δ]| (or |Qᵢⱼ[δ]|), symmetric and
 * [C′, C′] (or [C, C]), computed as one convolution of the kernel with itself (the kernel's slices as a minibatch of
 * k×k images, padding k − 1).
 * <p><b>Why it bounds the operator on H×W with zero padding.</b> The zero-padded convolution is S C E, with C the
 * circular convolution on a torus large enough to hold the padded image, E the zero embedding and S a selection of
 * pixels. A channel-wise diagonal T commutes with S and E, and on the torus every row of C Cᵀ (of CᵀC) has entries
 * that are sums of Pᵢⱼ[δ] (Qᵢⱼ[δ]) over distinct offsets, so the Schur test with any positive channel weights q gives
 * C Cᵀ ⪯ diag(Σⱼ Aᵢⱼ qⱼ / qᵢ) there, and hence K Kᵀ ⪯ T for the layer's own operator.
 */
final class ConvolutionGram {

    /** Which Gram matrix: over the output channels (K Kᵀ, for SLL) or over the input channels (KᵀK, for AOL). */
    enum Side {
        OUTPUT, INPUT
    }

    private ConvolutionGram() {
    }

    /** A on the graph (differentiable): [C′, C′] for {@link Side#OUTPUT}, [C, C] for {@link Side#INPUT}. */
    static SDVariable define(SameDiff sd, SDVariable kernel, int k, Side side) {
        SDVariable images = side == Side.OUTPUT ? kernel.permute(3, 2, 0, 1) : kernel.permute(2, 3, 0, 1);
        SDVariable weights = side == Side.OUTPUT ? kernel : kernel.permute(0, 1, 3, 2);
        return sd.math().abs(sd.cnn().conv2d(images, weights, config(k))).sum(2, 3);
    }

    /** A computed with ND4J's ops on the given kernel, the same operations as {@link #define}. */
    static INDArray compute(INDArray kernel, int k, Side side) {
        return correlate(kernel, k, side).absoluteSums();
    }

    /**
     * The kernel's slices as images and as weights, and their signed correlations [n, n, 2k−1, 2k−1], from which
     * {@link Correlations#absoluteSums} gives A and {@link Correlations#addKernelGradient} the gradient through it.
     */
    static Correlations correlate(INDArray kernel, int k, Side side) {
        INDArray images = (side == Side.OUTPUT ? kernel.permute(3, 2, 0, 1) : kernel.permute(2, 3, 0, 1)).dup('c');
        INDArray weights = (side == Side.OUTPUT ? kernel : kernel.permute(0, 1, 3, 2)).dup('c');
        return new Correlations(side, k, images, weights, Nd4j.cnn().conv2d(images, weights, config(k)));
    }

    /** The operands and result of the correlation of a kernel with itself (see {@link #correlate}). */
    record Correlations(Side side, int k, INDArray images, INDArray weights, INDArray signed) {

        /** A = Σ_δ |signed[·, ·, δ]|, [n, n]. */
        INDArray absoluteSums() {
            return Transforms.abs(signed, true).sum(2, 3);
        }

        /**
         * Adds ∂ℓ/∂K to {@code kernelGradient} [k, k, C, C′] for a gradient ∂ℓ/∂A [n, n]: through |·| (the sign of
         * each correlation) and the correlation's two operands, both slices of K (one conv2d_bp).
         */
        void addKernelGradient(INDArray gramGradient, INDArray kernelGradient) {
            INDArray gradSigned = Transforms.sign(signed, true).muli(gramGradient.reshape(gramGradient.size(0),
                    gramGradient.size(1), 1, 1));
            INDArray gradImages = images.ulike();
            INDArray gradWeights = weights.ulike();
            // conv2d_bp integer arguments: kH, kW, sH, sW, pH, pW, dH, dW, same mode, layout (0 NCHW)
            Nd4j.exec(DynamicCustomOp.builder("conv2d_bp").addInputs(images, weights, gradSigned)
                    .addOutputs(gradImages, gradWeights)
                    .addIntegerArguments(k, k, 1, 1, k - 1, k - 1, 1, 1, 0, 0).build());
            if (side == Side.OUTPUT) {
                kernelGradient.addi(gradImages.permute(2, 3, 1, 0)).addi(gradWeights);
            } else {
                kernelGradient.addi(gradImages.permute(2, 3, 0, 1)).addi(gradWeights.permute(0, 1, 3, 2));
            }
            Release.all(gradSigned, gradImages, gradWeights);
        }
    }

    /** The correlation of k×k images with k×k kernels at every offset: padding k − 1, output (2k−1)×(2k−1). */
    private static Conv2DConfig config(int k) {
        return Conv2DConfig.builder().kH(k).kW(k).sH(1).sW(1).pH(k - 1).pW(k - 1).paddingMode(PaddingMode.VALID)
                .dataFormat("NCHW").build();
    }
}
