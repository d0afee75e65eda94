package io.github.structnet.symplectic;

import io.github.structnet.kernels.Convolutions;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Dot-product test ⟨K x, y⟩ = ⟨x, Kᵀ y⟩ to 1e-10 (double) for the convolution pair used by the conv layers. */
class ConvolutionAdjointTest {

    @Test
    void convolutionAndTransposeAreAdjoint() {
        for (int k : new int[]{1, 3, 5}) {
            Nd4j.getRandom().setSeed(k);
            SameDiff sd = SameDiff.create();
            INDArray w = Nd4j.randn(DataType.DOUBLE, k, k, 3, 4);
            INDArray xv = Nd4j.randn(DataType.DOUBLE, 2, 3, 6, 5);
            INDArray yv = Nd4j.randn(DataType.DOUBLE, 2, 4, 6, 5);
            SDVariable weights = sd.constant(w);
            SDVariable kx = Convolutions.apply(sd, sd.constant(xv), weights, null, k);
            SDVariable kty = Convolutions.adjoint(sd, sd.constant(yv), weights, k);
            INDArray kxv = kx.eval();
            INDArray ktyv = kty.eval();
            double lhs = kxv.mul(yv).sumNumber().doubleValue();
            double rhs = xv.mul(ktyv).sumNumber().doubleValue();
            assertEquals(lhs, rhs, 1e-10 * Math.max(1, Math.abs(lhs)), "kernel " + k);
        }
    }
}
