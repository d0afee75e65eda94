package io.github.structnet.lipschitz;

import io.github.structnet.certify.LipschitzBounded;
import io.github.structnet.samediff.StructLayer;
import lombok.Data;
import lombok.EqualsAndHashCode;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * A convolutional layer with no parameters whose map is a fixed linear operator of norm at most 1 (a pooling, a
 * channel lift or projection): nothing to train and a certified Lipschitz bound of 1. Subclasses give the map and its
 * output type, and say in their Javadoc why the norm is at most 1.
 */
@Data
@EqualsAndHashCode(callSuper = true)
public abstract class ParameterFreeNonExpansiveLayer extends ConvolutionalStructLayer implements LipschitzBounded {

    protected ParameterFreeNonExpansiveLayer() {
        // for Jackson
    }

    protected ParameterFreeNonExpansiveLayer(StructLayer.Builder<?> b) {
        super(b, 0, 0, 0);
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        // no parameters
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        // no parameters
    }

    /** 1: the layer is a fixed linear map of operator norm at most 1. */
    @Override
    public double lipschitzBound(Map<String, INDArray> params) {
        return 1.0;
    }
}
