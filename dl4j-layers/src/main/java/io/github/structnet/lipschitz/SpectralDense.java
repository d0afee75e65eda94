package io.github.structnet.lipschitz;

import io.github.structnet.spectral.SpectralNormState;
import lombok.Data;
import lombok.EqualsAndHashCode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * A spectrally normalised affine map, for the lift Q and the projection π of a 1-Lipschitz network
 * π ∘ φ_L ∘ … ∘ φ_1 ∘ Q.
 * <pre>
 *   y = (W / σ_W) x + b,    W ∈ ℝ^{nOut×nIn}  (nIn ≠ nOut allowed)
 * </pre>
 * <b>Guarantee.</b> At inference σ_W is the Gram-iteration bound B(W) ≥ ‖W‖₂ ({@link SpectralNormState}), so
 * ‖W/σ_W‖₂ ≤ 1 and ‖y(x) − y(x′)‖₂ ≤ ‖x − x′‖₂ for the weights the layer runs with. While training σ_W is the
 * power-iteration estimate ‖W v‖₂, which may be slightly below ‖W‖₂.
 * <p>No activation: compose with {@link GradientFlowDense} or a 1-Lipschitz activation layer.
 * Shapes: input [mb, nIn], W [nOut, nIn], b [1, nOut]; state {@value #VECTOR_KEY} [1, nIn].
 *
 * @see <a href="https://arxiv.org/abs/1802.05957">Miyato, Kataoka, Koyama, Yoshida 2018, Spectral normalization
 * for generative adversarial networks</a>
 */
@Data
@EqualsAndHashCode(callSuper = true)
public class SpectralDense extends AbstractNormalisedDense {

    private long nOut;
    private boolean hasBias;

    private SpectralDense() {
        // for Jackson
    }

    private SpectralDense(Builder b) {
        super(b);
        this.nOut = b.nOut;
        this.hasBias = b.hasBias;
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> p, SDVariable mask) {
        SDVariable sigma = spectralNorm(sd, p);
        // mul by the reciprocal, not div: SameDiff M2.1 gets the gradient of a broadcast div wrong
        SDVariable y = sd.mmul(x, p.get(WEIGHT_KEY), false, true, false).mul(sigma.add(Norms.FLOOR).rdiv(1.0));
        return hasBias ? y.add(p.get(BIAS_KEY)) : y;
    }

    /** B(W) / (B(W) + floor) ≤ 1: the Gram-iteration bound of the given W over the normaliser used at inference. */
    @Override
    public double lipschitzBound(Map<String, INDArray> params) {
        double bound = certifiedNorm(params);
        return Norms.normalisedMap(bound, bound);
    }

    @Override
    protected long weightRows() {
        return nOut;
    }

    @Override
    protected void defineOtherParameters(SDLayerParams params) {
        if (hasBias) {
            params.addBiasParam(BIAS_KEY, 1, nOut);
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
        DenseLayerSupport.featuresOf(inputType, describe());
        return InputType.feedForward(nOut);
    }

    /** Builder in DL4J style. Defaults: with bias, 1 power iteration per step, 50 at initialisation. */
    public static class Builder extends AbstractNormalisedDense.Builder<Builder> {
        private long nOut;
        private boolean hasBias = true;

        /** Number of outputs. */
        public Builder nOut(long nOut) {
            this.nOut = nOut;
            return this;
        }

        /** Whether to add a bias b (default true; a bias does not change the Lipschitz constant). */
        public Builder hasBias(boolean hasBias) {
            this.hasBias = hasBias;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public SpectralDense build() {
            validate();
            DenseLayerSupport.requirePositive(nOut, "nOut", owner());
            return new SpectralDense(this);
        }
    }
}
