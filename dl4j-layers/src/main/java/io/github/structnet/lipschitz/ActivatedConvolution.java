package io.github.structnet.lipschitz;

import io.github.structnet.kernels.ActivationPass;
import io.github.structnet.kernels.Convolutions;
import io.github.structnet.samediff.PassMemory;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * The first half of the convolutional residual blocks' direct passes: a = σ(K x + b) (stride 1, "same" padding) in
 * reused scratch arrays, with ReLU fused into the convolution where oneDNN can, and z = K x + b kept only when σ′
 * cannot be read off a; and the backward pass of a residual block y = x + conv(a, M) built on it
 * ({@link #backward}), which leaves to the caller only the chain rule from M back to the block's parameters.
 *
 * @param z the pre-activation, or null when backprop does not need it
 * @param a the activation (the same array as z when σ is applied in place)
 */
record ActivatedConvolution(INDArray z, INDArray a) {

    static ActivatedConvolution of(INDArray x, INDArray kernel, INDArray bias, Activation activation,
                                   CNN2DFormat format, long[] hiddenShape, boolean training, PassMemory memory) {
        boolean keepZ = ActivationPass.needsPreActivation(activation);
        INDArray z = memory.scratch("z", x.dataType(), hiddenShape);
        if (activation == Activation.RELU && Convolutions.applyRectified(x, kernel, bias, format, z)) {
            return new ActivatedConvolution(null, z); // a = ReLU(K x + b) in one pass; backprop needs only a
        }
        Convolutions.apply(x, kernel, bias, 1, format, z);
        INDArray a = ActivationPass.activate(activation, z, keepZ ? memory.scratch("a", x.dataType(), hiddenShape) : z,
                training);
        return new ActivatedConvolution(keepZ ? z : null, a);
    }

    /**
     * The gradients of y = x + conv(a, M), a = σ(K x + b), given ε = ∂ℓ/∂y: the input gradient ε + Kᵀ(σ′ ⊙ Mᵀε) (the
     * adjoint convolutions), the gradients of K and b as if M did not depend on them, and ∂ℓ/∂M for the caller to
     * carry back to K and the block's other parameters.
     *
     * @param z the pre-activation kept by {@link #of} (null where σ′ is read off a)
     * @param a the activation kept by {@link #of}
     * @param kernel the key of K, whose gradient array receives ∂ℓ/∂K through a
     * @param bias the key of b
     */
    static Gradients backward(Map<String, INDArray> params, String kernel, String bias, INDArray x, INDArray z,
                              INDArray a, INDArray adjointKernel, INDArray epsilon, Activation activation,
                              CNN2DFormat format, PassMemory memory) {
        INDArray gradA = memory.scratch("gradA", a.dataType(), a.shape());
        INDArray gradM = memory.scratch("gradM", adjointKernel.dataType(), adjointKernel.shape());
        Convolutions.backward(a, adjointKernel, null, epsilon, 1, format, gradA, gradM, null);
        INDArray gradZ = ActivationPass.backprop(activation, z, a, gradA, memory.scratch("work", a.dataType(),
                a.shape()));
        INDArray gradX = memory.result(x.dataType(), x.shape());
        INDArray gradKernel = memory.gradient(kernel);
        INDArray gradBias = memory.gradient(bias);
        Convolutions.backward(x, params.get(kernel), params.get(bias), gradZ, 1, format, gradX, gradKernel, gradBias);
        gradX.addi(epsilon);
        return new Gradients(gradX, gradKernel, gradBias, gradM);
    }

    /**
     * The gradients {@link #backward} leaves: input, kernel and bias (in the memory's arrays) and ∂ℓ/∂M (a scratch
     * array).
     */
    record Gradients(INDArray input, INDArray kernel, INDArray bias, INDArray adjointKernel) {
    }
}
