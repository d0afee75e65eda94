package io.github.structnet.lipschitz;

import io.github.structnet.kernels.Gemm;
import lombok.Data;
import lombok.EqualsAndHashCode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * What the normalised affine dense maps y = N(W) x + b share (N the layer's normalisation of W [nOut, nIn]): the
 * number of outputs, the optional bias b [1, nOut] (initialised to 0; it does not change the Lipschitz constant),
 * the output type and the builder settings for both.
 */
@Data
@EqualsAndHashCode(callSuper = true)
public abstract class AbstractNormalisedAffine extends AbstractNormalisedDense {

    protected long nOut;
    protected boolean hasBias;

    protected AbstractNormalisedAffine() {
        // for Jackson
    }

    protected AbstractNormalisedAffine(Builder<?> b) {
        super(b);
        this.nOut = b.nOut;
        this.hasBias = b.hasBias;
    }

    /**
     * Writes the broadcast bias into {@code out} [mb, nOut] when the layer has one; returns the β with which a product
     * is then to be accumulated onto {@code out} (1 after the bias, 0 without).
     */
    protected double startWithBias(Map<String, INDArray> p, INDArray out) {
        if (!hasBias) {
            return 0.0;
        }
        Gemm.broadcastRow(p.get(BIAS_KEY), 0.0, out);
        return 1.0;
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

    /** Shared builder settings: nOut (required) and the bias (default on). */
    @SuppressWarnings("unchecked")
    public abstract static class Builder<T extends Builder<T>> extends AbstractNormalisedDense.Builder<T> {
        private long nOut;
        private boolean hasBias = true;

        /** Number of outputs. */
        public T nOut(long nOut) {
            this.nOut = nOut;
            return (T) this;
        }

        /** Whether to add a bias b (default true; a bias does not change the Lipschitz constant). */
        public T hasBias(boolean hasBias) {
            this.hasBias = hasBias;
            return (T) this;
        }

        @Override
        protected void validate() {
            super.validate();
            DenseLayerSupport.requirePositive(nOut, "nOut", owner());
        }
    }
}
