package io.github.structnet.lipschitz;

import io.github.structnet.kernels.Gemm;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The SLL rescaling from an absolute Gram matrix A (|W Wᵀ| for {@link SllDense}, the summed self-correlations of
 * the kernel for {@link SllConv2D}) and ℓ = log q, and its gradients, written once for both layers:
 * <pre>
 *   q = exp(ℓ),   tᵢ = Σⱼ qⱼ Aⱼᵢ / qᵢ,   rᵢ = 2 / (tᵢ + floor)
 * </pre>
 *
 * @param q [1, h]
 * @param t [1, h], without the floor
 * @param r [1, h]
 */
record SllScaling(INDArray q, INDArray t, INDArray r) {

    /** q, t (written into {@code t} [1, h]) and r for the symmetric absolute Gram matrix {@code gramAbs} [h, h]. */
    static SllScaling of(INDArray gramAbs, INDArray logQ, INDArray t) {
        INDArray q = Transforms.exp(logQ, true).reshape(1, logQ.length());
        Gemm.accumulate(q, false, gramAbs, false, 1.0, 0.0, t).divi(q);
        return new SllScaling(q, t, t.add(Norms.FLOOR).rdivi(2.0));
    }

    /** g = ∂/∂t ⊘ q for ∂/∂r (overwritten): through r = 2/(t + floor), ∂/∂t = −r²/2 ⊙ ∂/∂r. */
    INDArray tGradientOverQ(INDArray gradR) {
        return gradR.muli(r).muli(r).muli(-0.5).divi(q);
    }

    /** ∂/∂ℓ = q ⊙ (g A − g ⊙ t) written into {@code out} [1, h], for g from {@link #tGradientOverQ}. */
    INDArray logScaleGradient(INDArray g, INDArray gramAbs, INDArray out) {
        return Gemm.accumulate(g, false, gramAbs, false, 1.0, 0.0, out).subi(g.mul(t)).muli(q);
    }
}
