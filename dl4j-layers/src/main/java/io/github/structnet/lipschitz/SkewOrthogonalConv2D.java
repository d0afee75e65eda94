package io.github.structnet.lipschitz;

import io.github.structnet.kernels.Convolutions;
import io.github.structnet.orthogonal.TruncatedExponential;
import lombok.Data;
import lombok.EqualsAndHashCode;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * A skew orthogonal convolution (SOC): the exponential of a skew-symmetric convolution, truncated after K terms, so
 * that the layer is orthogonal up to a certified excess of about 1/(K+1)!.
 * <pre>
 *   S = K − Kᵀ   (Kᵀ: the adjoint convolution, K spatially flipped with channels swapped; S* = −S exactly),
 *   A = S / σ_S,   y = Σ_{j=0}^{T} A^j x / j! + b,   K: C → C channels, k×k, stride 1, "same" zero padding
 * </pre>
 * exp(A) is orthogonal for every skew-symmetric A: the layer preserves distances, in every direction and on the
 * finite zero-padded image (the adjoint of a "same" convolution with an odd kernel is the flipped one, so S is
 * exactly skew on the space the layer acts on, not only on the torus).
 * <p><b>Guarantee.</b> At inference σ_S is the sound Fourier bound B(S) on the layer's H×W, so ‖A‖₂ ≤ 1 and
 * ‖y(x) − y(x′)‖₂ ≤ L ‖x − x′‖₂ with L = {@link TruncatedExponential#normBound}(T, B(S)/(B(S) + floor)), computed
 * from the kernel by {@link #lipschitzBound}: 1 + 2.3·10⁻⁸ for the default T = 10 (up to float rounding, as for every
 * layer). While training σ_S is the power-iteration estimate on S, which may be slightly below ‖S‖₂.
 * <p>Cost: T convolutions forward (and their adjoints backward) per step, against one for a plain convolution.
 * No activation: follow it with {@link MaxMin} or GroupSort. Shapes: input and output [mb, C, H, W] (or channels
 * last); K [k, k, C, C], b [C]; state {@value #VECTOR_KEY} [1, C, H, W].
 *
 * @see <a href="https://arxiv.org/abs/2105.11417">Singla, Feizi 2021, Skew orthogonal convolutions</a>
 */
@Data
@EqualsAndHashCode(callSuper = true)
public class SkewOrthogonalConv2D extends AbstractNormalisedConv2D {

    /** Default number of series terms T. */
    public static final int DEFAULT_TERMS = 10;
    /** Largest number of terms accepted. */
    public static final int MAX_TERMS = 30;

    private int terms;
    private boolean hasBias;

    private SkewOrthogonalConv2D() {
        // for Jackson
    }

    private SkewOrthogonalConv2D(Builder b) {
        super(b);
        this.terms = b.terms;
        this.hasBias = b.hasBias;
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> p, SDVariable mask) {
        SDVariable k = p.get(KERNEL_KEY);
        SDVariable skew = k.sub(Convolutions.flipped(sd, k));
        SDVariable sigma = operatorNorm(sd, skew, p);
        SDVariable a = skew.mul(sigma.add(Norms.FLOOR).rdiv(1.0).reshape(1, 1, 1, 1));
        SDVariable term = x;
        SDVariable y = x;
        for (int j = 1; j <= terms; j++) {
            term = Convolutions.apply(sd, term, a, null, kernelSize, 1, dataFormat).mul(1.0 / j);
            y = y.add(term);
        }
        if (!hasBias) {
            return y;
        }
        SDVariable bias = dataFormat == CNN2DFormat.NCHW ? p.get(BIAS_KEY).reshape(1, channels, 1, 1)
                : p.get(BIAS_KEY).reshape(1, 1, 1, channels);
        return y.add(bias);
    }

    /** S = K − Kᵀ (the kernel minus its adjoint's kernel), the skew-symmetric kernel the layer normalises. */
    @Override
    protected INDArray normalisedKernel(Map<String, INDArray> params) {
        INDArray k = params.get(KERNEL_KEY);
        return k.sub(Convolutions.flipped(k));
    }

    /**
     * A sound bound of ‖T_T(A)‖₂ for A = S / σ_S as at inference, from the given K: the truncated-exponential bound at
     * radius B(S)/(B(S) + floor) ≤ 1.
     */
    @Override
    public double lipschitzBound(Map<String, INDArray> params) {
        double bound = certifiedNorm(params);
        return TruncatedExponential.normBound(terms, Norms.normalisedMap(bound, bound));
    }

    @Override
    protected long kernelOutChannels() {
        return channels;
    }

    @Override
    protected int stride() {
        return 1;
    }

    @Override
    protected void defineOtherParameters(SDLayerParams params) {
        if (hasBias) {
            params.addBiasParam(BIAS_KEY, channels);
        }
    }

    @Override
    protected void initializeOtherParameters(Map<String, INDArray> params) {
        if (hasBias) {
            params.get(BIAS_KEY).assign(0);
        }
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return sameResolution(inputType, convolutional(inputType).getChannels());
    }

    /** Builder in DL4J style. Defaults: 3×3, {@value #DEFAULT_TERMS} terms, with bias; input size inferred. */
    public static class Builder extends AbstractNormalisedConv2D.Builder<Builder> {
        private int terms = DEFAULT_TERMS;
        private boolean hasBias = true;

        /**
         * Highest power T of the series, in [1, {@value #MAX_TERMS}] (default {@value #DEFAULT_TERMS}): each term costs
         * a convolution; the certified excess over 1 is about 1/(T+1)!.
         */
        public Builder terms(int terms) {
            this.terms = terms;
            return this;
        }

        /** Whether to add a bias b (default true; a bias does not change the Lipschitz constant). */
        public Builder hasBias(boolean hasBias) {
            this.hasBias = hasBias;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public SkewOrthogonalConv2D build() {
            validate();
            if (terms < 1 || terms > MAX_TERMS) {
                throw new IllegalArgumentException(owner() + ": terms must be in [1, " + MAX_TERMS + "]; got " + terms);
            }
            return new SkewOrthogonalConv2D(this);
        }
    }
}
