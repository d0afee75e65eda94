package io.github.structnet.pnp;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * ISTA, the classical baseline: proximal gradient on
 * <pre>
 *   ½‖K x − y‖² + λ ‖D W x‖₁
 * </pre>
 * with W the orthonormal Haar transform and D keeping the detail coefficients (the coarsest approximation is not
 * penalised). Since W is orthogonal, prox_{αg}(v) = Wᵀ S_{αλ}(W v), S the soft-thresholding of the details. For
 * α ≤ 1/‖K‖² the objective decreases monotonically.
 */
public final class Ista {

    private Ista() {
    }

    /**
     * A solver builder with step α, Γ = prox_{αλ‖DW·‖₁} and the objective recorded. α ≤ 1/‖K‖² makes the objective
     * decrease monotonically; α outside (0, 2/‖K‖²) is refused by {@link ProximalGradient.Builder#build}.
     */
    public static ProximalGradient.Builder builder(ImageOperator operator, INDArray measurement, double lambda,
                                                   int levels, double step) {
        if (!(lambda >= 0) || !Double.isFinite(lambda)) {
            throw new IllegalArgumentException("Ista: lambda must be finite and >= 0; got " + lambda);
        }
        HaarWavelet haar = new HaarWavelet(levels);
        return ProximalGradient.builder(operator, measurement).step(step)
                .proximal(v -> shrink(v, haar, step * lambda))
                .regulariser(x -> penalty(x, haar, lambda));
    }

    /** prox of t·‖D W ·‖₁: Wᵀ S_t(W v). */
    public static INDArray shrink(INDArray v, HaarWavelet haar, double threshold) {
        INDArray c = haar.forward(v.castTo(DataType.DOUBLE));
        long h = c.size(2);
        long w = c.size(3);
        double[] d = Images.values(c);
        for (int i = 0; i < d.length; i++) {
            long row = (i / w) % h;
            long col = i % w;
            if (!haar.isApproximation(row, col, h, w)) {
                d[i] = Math.signum(d[i]) * Math.max(Math.abs(d[i]) - threshold, 0.0);
            }
        }
        return haar.inverse(Nd4j.createFromArray(d).reshape('c', c.shape())).castTo(v.dataType());
    }

    /** λ ‖D W x‖₁. */
    public static double penalty(INDArray x, HaarWavelet haar, double lambda) {
        INDArray c = haar.forward(x.castTo(DataType.DOUBLE));
        long h = c.size(2);
        long w = c.size(3);
        double[] d = Images.values(c);
        double sum = 0;
        for (int i = 0; i < d.length; i++) {
            if (!haar.isApproximation((i / w) % h, i % w, h, w)) {
                sum += Math.abs(d[i]);
            }
        }
        return lambda * sum;
    }
}
