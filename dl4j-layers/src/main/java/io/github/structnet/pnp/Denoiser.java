package io.github.structnet.pnp;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * The map Γ of a proximal-gradient step x ↦ Γ(x − α ∇f(x)): a proximal operator or a learned denoiser, acting on
 * images [1, C, H, W]. Must not modify its argument.
 */
@FunctionalInterface
public interface Denoiser {

    /** Γ(x), same shape as x. */
    INDArray apply(INDArray x);

    /**
     * The relaxation x ↦ (1 − θ) x + θ Γ(x), θ ∈ (0, 1]: a weaker denoiser. If Γ is averaged (or 1-Lipschitz), so is
     * the relaxation, so PnP keeps its convergence guarantee while the regularisation strength is tuned.
     */
    default Denoiser relaxed(double theta) {
        if (!(theta > 0 && theta <= 1)) {
            throw new IllegalArgumentException("Denoiser.relaxed: theta must be in (0, 1]; got " + theta);
        }
        return x -> apply(x).mul(theta).addi(x.mul(1 - theta));
    }

    /**
     * A trained network (inference mode) as a denoiser. The image is cast to the network's data type and the result
     * back to the image's; a network whose output shape differs from its input is refused.
     */
    static Denoiser of(MultiLayerNetwork network) {
        return x -> sameShape(x, network.output(x.castTo(network.params().dataType()), false), "MultiLayerNetwork");
    }

    /** A single-input, single-output ComputationGraph as a denoiser. */
    static Denoiser of(ComputationGraph graph) {
        return x -> sameShape(x, graph.outputSingle(false, x.castTo(graph.params().dataType())), "ComputationGraph");
    }

    private static INDArray sameShape(INDArray x, INDArray out, String what) {
        if (!Arrays.equals(x.shape(), out.shape())) {
            throw new IllegalArgumentException("Denoiser: the " + what + " maps " + Arrays.toString(x.shape()) + " to "
                    + Arrays.toString(out.shape()) + "; a denoiser must keep the image shape");
        }
        return out.castTo(x.dataType());
    }
}
