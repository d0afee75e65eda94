package io.github.structnet.lipschitz;

import io.github.structnet.certify.LipschitzBounded;
import io.github.structnet.samediff.StructLayer;
import io.github.structnet.spectral.SpectralNormState;
import lombok.Data;
import lombok.EqualsAndHashCode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;
import java.util.Set;

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
public class SpectralDense extends StructLayer implements LipschitzBounded {

    public static final String WEIGHT_KEY = "W";
    public static final String BIAS_KEY = "b";
    public static final String VECTOR_KEY = "v";
    /** Added to σ_W so that W = 0 maps to 0 (dividing by more than ‖W‖₂ keeps the guarantee). */
    static final double NORM_FLOOR = 1e-12;

    private long nIn;
    private long nOut;
    private boolean hasBias;
    private int powerIterations;
    private int initPowerIterations;

    private SpectralDense() {
        // for Jackson
    }

    private SpectralDense(Builder b) {
        super(b);
        this.nIn = b.nIn;
        this.nOut = b.nOut;
        this.hasBias = b.hasBias;
        this.powerIterations = b.powerIterations;
        this.initPowerIterations = b.initPowerIterations;
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> p, SDVariable mask) {
        SDVariable w = p.get(WEIGHT_KEY);
        SDVariable sigma = SpectralNormState.define(sd, WEIGHT_KEY, w, p.get(VECTOR_KEY));
        SDVariable y = sd.mmul(x, w, false, true, false).mul(sigma.add(NORM_FLOOR).rdiv(1.0));
        return hasBias ? y.add(p.get(BIAS_KEY)) : y;
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        DenseLayerSupport.requirePositive(nIn, "nIn (set it or let setInputType infer it)", describe());
        params.addWeightParam(WEIGHT_KEY, nOut, nIn);
        params.addWeightParam(VECTOR_KEY, 1, nIn);
        if (hasBias) {
            params.addBiasParam(BIAS_KEY, 1, nOut);
        }
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        initWeights((int) nIn, (int) nOut, getWeightInit(), params.get(WEIGHT_KEY));
        if (hasBias) {
            params.get(BIAS_KEY).assign(0);
        }
        SpectralNormState.initialise(params.get(WEIGHT_KEY), params.get(VECTOR_KEY), initPowerIterations, describe());
    }

    @Override
    public Set<String> stateParameterKeys() {
        return Set.of(VECTOR_KEY);
    }

    @Override
    public void updateState(Map<String, INDArray> params) {
        SpectralNormState.update(params.get(WEIGHT_KEY), params.get(VECTOR_KEY), powerIterations, describe());
    }

    @Override
    public Map<String, INDArray> placeholderValues(Map<String, INDArray> params, boolean training) {
        return Map.of(WEIGHT_KEY + SpectralNormState.SCALE_SUFFIX,
                SpectralNormState.scale(params.get(WEIGHT_KEY), params.get(VECTOR_KEY), training, describe()));
    }

    /** 1: at inference the effective matrix is W / B(W) with B(W) ≥ ‖W‖₂. */
    @Override
    public double lipschitzBound(Map<String, INDArray> params) {
        return 1.0;
    }

    @Override
    public void validateInput(INDArray input) {
        DenseLayerSupport.requireShape(input, nIn, describe());
        super.validateInput(input);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        DenseLayerSupport.featuresOf(inputType, describe());
        return InputType.feedForward(nOut);
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        if (nIn <= 0 || override) {
            nIn = DenseLayerSupport.featuresOf(inputType, describe());
        }
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return DenseLayerSupport.preProcessor(inputType, describe());
    }

    /** Builder in DL4J style. Defaults: with bias, 1 power iteration per step, 50 at initialisation. */
    public static class Builder extends StructLayer.Builder<Builder> {
        private long nIn;
        private long nOut;
        private boolean hasBias = true;
        private int powerIterations = 1;
        private int initPowerIterations = 50;

        /** Number of input features. Inferred from the input type when not set. */
        public Builder nIn(long nIn) {
            DenseLayerSupport.requirePositive(nIn, "nIn", "SpectralDense");
            this.nIn = nIn;
            return this;
        }

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

        /** Power-iteration steps per training iteration (≥ 0; 0 freezes the vector). */
        public Builder powerIterations(int powerIterations) {
            this.powerIterations = powerIterations;
            return this;
        }

        /** Power-iteration steps at initialisation (≥ 1). */
        public Builder initPowerIterations(int initPowerIterations) {
            this.initPowerIterations = initPowerIterations;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public SpectralDense build() {
            String owner = "SpectralDense" + (layerName == null ? "" : " '" + layerName + "'");
            DenseLayerSupport.requirePositive(nOut, "nOut", owner);
            DenseLayerSupport.requirePowerIterations(powerIterations, initPowerIterations, owner);
            return new SpectralDense(this);
        }
    }
}
