package io.github.structnet.lipschitz;

import io.github.structnet.kernels.ActivationPass;
import io.github.structnet.kernels.Convolutions;
import io.github.structnet.samediff.PassMemory;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The first half of the convolutional residual blocks' direct passes: a = σ(K x + b) (stride 1, "same" padding) in
 * reused scratch arrays, with ReLU fused into the convolution where oneDNN can, and z = K x + b kept only when σ′
 * cannot be read off a.
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
}
