package io.github.structnet.lipschitz;

import io.github.structnet.kernels.Gemm;
import io.github.structnet.kernels.Release;
import io.github.structnet.kernels.Sums;
import io.github.structnet.kernels.Vectors;
import io.github.structnet.orthogonal.BjorckIteration;
import io.github.structnet.orthogonal.OrthogonalityCertificate;
import io.github.structnet.samediff.DirectPass;
import io.github.structnet.samediff.PassMemory;
import io.github.structnet.spectral.WeightsCache;
import lombok.Data;
import lombok.EqualsAndHashCode;
import lombok.ToString;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.annotation.JsonIgnore;

import java.util.HashMap;
import java.util.Map;

/**
 * An orthogonal affine map: the weight normalised by its spectral norm and then orthogonalised by K Björck–Bowie
 * steps, all inside the layer's formula (the gradient flows through every step).
 * <pre>
 *   Q₀ = W / σ_W,   Q_{k+1} = 3/2 Q_k − 1/2 Q_k Q_kᵀ Q_k   (k &lt; K),   y = Q_K x + b,   W ∈ ℝ^{nOut×nIn}
 * </pre>
 * (the Gram factor taken on the smaller side: Q_kᵀ Q_k when nOut ≥ nIn, Q_k Q_kᵀ otherwise). As K grows Q_K tends
 * to the orthogonal polar factor of W: every singular value moves to 1, so the layer preserves norms in the
 * directions it keeps (isometry when nOut ≥ nIn), unlike a spectrally normalised map, which contracts all but one.
 * <p><b>Guarantee.</b> Each step maps a singular value s ∈ [0, 2] to 3/2 s − 1/2 s³ ∈ [−1, 1] (package
 * {@link io.github.structnet.orthogonal}); σ_W is the Gram-iteration bound B(W) ≥ ‖W‖₂ at inference and the
 * power-iteration estimate (≥ ‖W‖₂ / 2 in practice) in training, so ‖Q_K‖₂ ≤ 1 for any K ≥ 1 and
 * ‖y(x) − y(x′)‖₂ ≤ ‖x − x′‖₂. {@link #lipschitzBound} does not rely on this argument: it certifies the Q_K the layer
 * runs with at inference, by ‖Q‖₂² ≤ 1 + ‖QᵀQ − I‖_F plus rounding ({@link OrthogonalityCertificate}), which is
 * within about 10⁻⁶ of 1 once the steps have converged. At inference Q_K is computed once per weight version and
 * cached.
 * <p>Cost: 2K products of size max(nIn, nOut)·min(nIn, nOut)² per training step forward, 4K backward, independent
 * of the batch size; against a plain dense layer this dominates for widths above the batch size.
 * <p>No activation: compose with a 1-Lipschitz activation ({@link MaxMin}, {@link GroupSort}).
 * Shapes: input [mb, nIn], W [nOut, nIn], b [1, nOut]; state {@value #VECTOR_KEY} [1, nIn].
 *
 * @see <a href="https://doi.org/10.1137/0708036">Björck, Bowie 1971, An iterative algorithm for computing the best
 * estimate of an orthogonal matrix</a>
 * @see <a href="https://arxiv.org/abs/1811.05381">Anil, Lucas, Grosse 2019, Sorting out Lipschitz function
 * approximation</a>
 */
@Data
@EqualsAndHashCode(callSuper = true)
public class BjorckDense extends AbstractNormalisedAffine implements DirectPass<BjorckDense.Saved> {

    /** Default number of Björck–Bowie steps K. */
    public static final int DEFAULT_STEPS = 12;
    /** Largest number of steps accepted. */
    public static final int MAX_STEPS = 100;

    private int orthogonalisationSteps;

    @JsonIgnore
    @EqualsAndHashCode.Exclude
    @ToString.Exclude
    private transient WeightsCache<Orthogonalised> inferenceWeights;

    /** The weight the layer runs with at inference, kept as the tall factor P (Q or Qᵀ), and its certificate. */
    record Orthogonalised(INDArray tall, double bound) {
    }

    /**
     * What {@link #forward} keeps for backprop: the normaliser σ, the scale 1/(σ + floor), in training the
     * power-iteration direction v̂ and the row v̂ Wᵀ, and the tall iterates P₀ … P_K and Grams (scratch arrays);
     * at inference the cached tall factor is read again by the caller, not kept here.
     */
    record Saved(double sigma, double scale, INDArray direction, INDArray image, INDArray[] iterates,
                 INDArray[] grams) {
    }

    private BjorckDense() {
        // for Jackson
    }

    private BjorckDense(Builder b) {
        super(b);
        this.orthogonalisationSteps = b.steps;
    }

    private boolean tall() {
        return nOut >= nIn;
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> p, SDVariable mask) {
        SDVariable sigma = spectralNorm(sd, p);
        // mul by the reciprocal, not div: SameDiff M2.1 gets the gradient of a broadcast div wrong
        SDVariable q = p.get(WEIGHT_KEY).mul(sigma.add(Norms.FLOOR).rdiv(1.0));
        for (int k = 0; k < orthogonalisationSteps; k++) {
            SDVariable gram = tall() ? sd.mmul(q, q, true, false, false) : sd.mmul(q, q, false, true, false);
            SDVariable cubic = tall() ? sd.mmul(q, gram) : sd.mmul(gram, q);
            q = q.mul(1.5).sub(cubic.mul(0.5));
        }
        SDVariable y = sd.mmul(x, q, false, true, false);
        return hasBias ? y.add(p.get(BIAS_KEY)) : y;
    }

    /**
     * The same map with hand-written ND4J calls (what the runtime runs). In training: σ = ‖W v̂‖, the iteration on
     * the tall factor P₀ = W/(σ + floor) (or its transpose) in reusable memory; at inference: σ = B(W) and the cached
     * Q_K. Then y = x Q_Kᵀ + b as one BLAS product onto the broadcast bias.
     */
    @Override
    public Forward<Saved> forward(Map<String, INDArray> p, INDArray x, boolean training, PassMemory memory) {
        INDArray out = memory.result(x.dataType(), x.size(0), nOut);
        if (!training) {
            INDArray q = orthogonalised(p).tall();
            INDArray typed = q.dataType() == x.dataType() ? q : q.castTo(x.dataType());
            affine(p, x, typed, out);
            return new Forward<>(x, out, new Saved(Double.NaN, Double.NaN, null, null, null, null));
        }
        INDArray w = p.get(WEIGHT_KEY);
        INDArray v = p.get(VECTOR_KEY);
        INDArray direction = v.div(Vectors.norm2(v));
        INDArray image = Gemm.product(direction, false, w, true);
        double sigma = Vectors.norm2(image);
        double scale = 1.0 / (sigma + Norms.FLOOR);
        long rows = Math.max(nIn, nOut);
        long columns = Math.min(nIn, nOut);
        INDArray[] iterates = new INDArray[orthogonalisationSteps + 1];
        INDArray[] grams = new INDArray[orthogonalisationSteps];
        for (int k = 0; k <= orthogonalisationSteps; k++) {
            iterates[k] = memory.scratch("iterate" + k, w.dataType(), rows, columns);
            if (k < orthogonalisationSteps) {
                grams[k] = memory.scratch("gram" + k, w.dataType(), columns, columns);
            }
        }
        tallFactor(w, scale, iterates[0]);
        affine(p, x, BjorckIteration.forward(iterates, grams), out);
        return new Forward<>(x, out, new Saved(sigma, scale, direction, image, iterates, grams));
    }

    /**
     * The vector–Jacobian product of {@link #forward}: ∂/∂x = ε Q_K, ∂/∂Q_K = εᵀx carried back through the steps
     * ({@link BjorckIteration#backward}) to ∂/∂Q₀ = Ḡ, then ∂/∂W = s Ḡ − s ⟨s Ḡ, W⟩ (W v̂) v̂ᵀ / σ with
     * s = 1/(σ + floor)
     * (the normaliser's share, as in {@link SpectralDense}), ∂/∂b = Σ ε.
     */
    @Override
    public Backward backward(Map<String, INDArray> p, Forward<Saved> f, INDArray epsilon, PassMemory memory) {
        INDArray w = p.get(WEIGHT_KEY);
        INDArray x = f.input();
        Saved saved = f.saved();
        INDArray[] iterates = saved.iterates();
        INDArray last = iterates[orthogonalisationSteps];
        INDArray gradX = Gemm.accumulate(epsilon, false, last, !tall(), 1.0, 0.0,
                memory.result(x.dataType(), x.shape()));
        INDArray upstream = memory.scratch("upstream", w.dataType(), last.shape());
        if (tall()) {
            Gemm.accumulate(epsilon, true, x, false, 1.0, 0.0, upstream);
        } else {
            Gemm.accumulate(x, true, epsilon, false, 1.0, 0.0, upstream);
        }
        INDArray gradP = BjorckIteration.backward(iterates, saved.grams(), upstream,
                memory.scratch("work", w.dataType(), last.shape()),
                memory.scratch("products", w.dataType(), last.columns(), last.columns()));
        INDArray gradW = memory.gradient(WEIGHT_KEY);
        if (tall()) {
            Vectors.copy(gradP, gradW).muli(saved.scale());
        } else {
            gradW.assign(gradP.transpose()).muli(saved.scale());
        }
        if (saved.sigma() > 0) {
            double gradSigma = -Vectors.dot(gradW, w) * saved.scale();
            Gemm.accumulate(saved.image(), true, saved.direction(), false, gradSigma / saved.sigma(), 1.0, gradW);
        }
        Map<String, INDArray> grads = new HashMap<>();
        grads.put(WEIGHT_KEY, gradW);
        if (hasBias) {
            grads.put(BIAS_KEY, Sums.columns(epsilon, memory.gradient(BIAS_KEY)));
        }
        return new Backward(grads, gradX);
    }

    /** y = x Qᵀ + b into {@code out}, for the tall factor P of Q (P = Q when nOut ≥ nIn, else Qᵀ). */
    private void affine(Map<String, INDArray> p, INDArray x, INDArray tallFactor, INDArray out) {
        Gemm.accumulate(x, false, tallFactor, tall(), 1.0, startWithBias(p, out), out);
    }

    /** P₀ = s W (or s Wᵀ when W is wide) into {@code target}. */
    private void tallFactor(INDArray w, double scale, INDArray target) {
        if (tall()) {
            Vectors.copy(w, target).muli(scale);
        } else {
            target.assign(w.transpose()).muli(scale);
        }
    }

    /**
     * The tall factor of Q_K for these weights at inference (σ = B(W)) and its certificate, from the cache when the
     * weights are bit-exactly those of the last call.
     */
    private Orthogonalised orthogonalised(Map<String, INDArray> params) {
        WeightsCache<Orthogonalised> cache;
        synchronized (this) {
            if (inferenceWeights == null) {
                inferenceWeights = new WeightsCache<>();
            }
            cache = inferenceWeights;
        }
        INDArray w = params.get(WEIGHT_KEY);
        return cache.get(w, "bjorck" + orthogonalisationSteps, () -> computeOrthogonalised(params));
    }

    private Orthogonalised computeOrthogonalised(Map<String, INDArray> params) {
        INDArray w = params.get(WEIGHT_KEY);
        double sigma = certifiedNorm(params);
        long rows = Math.max(nIn, nOut);
        long columns = Math.min(nIn, nOut);
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            DataType type = w.dataType();
            INDArray even = Nd4j.createUninitialized(type, rows, columns);
            INDArray odd = Nd4j.createUninitialized(type, rows, columns);
            INDArray gram = Nd4j.createUninitialized(type, columns, columns);
            INDArray[] iterates = new INDArray[orthogonalisationSteps + 1];
            INDArray[] grams = new INDArray[orthogonalisationSteps];
            for (int k = 0; k <= orthogonalisationSteps; k++) {
                iterates[k] = k % 2 == 0 ? even : odd;       // the forward steps read k and write k + 1 only
                if (k < orthogonalisationSteps) {
                    grams[k] = gram;
                }
            }
            tallFactor(w, 1.0 / (sigma + Norms.FLOOR), even);
            INDArray result = BjorckIteration.forward(iterates, grams);
            Release.all(gram, result == even ? odd : even);
            double bound;
            try {
                bound = OrthogonalityCertificate.upperBound(result);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(describe() + ": cannot certify the orthogonalised weight: "
                        + e.getMessage(), e);
            }
            return new Orthogonalised(result, bound);
        }
    }

    /**
     * A sound bound of ‖Q_K‖₂ for the Q_K the layer runs with at inference (computed from {@code params}); a bias
     * does not change it.
     */
    @Override
    public double lipschitzBound(Map<String, INDArray> params) {
        return orthogonalised(params).bound();
    }

    /**
     * Builder in DL4J style. Defaults: with bias, {@value #DEFAULT_STEPS} Björck–Bowie steps, 1 power iteration per
     * training step, 50 at initialisation.
     */
    public static class Builder extends AbstractNormalisedAffine.Builder<Builder> {
        private int steps = DEFAULT_STEPS;

        /**
         * Number of Björck–Bowie steps K in [1, {@value #MAX_STEPS}] (default {@value #DEFAULT_STEPS}): more steps,
         * closer to orthogonal, at 6 products of the weight's size per step and training iteration.
         */
        public Builder orthogonalisationSteps(int steps) {
            this.steps = steps;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public BjorckDense build() {
            validate();
            if (steps < 1 || steps > MAX_STEPS) {
                throw new IllegalArgumentException(owner() + ": orthogonalisationSteps must be in [1, " + MAX_STEPS
                        + "]; got " + steps);
            }
            return new BjorckDense(this);
        }
    }
}
