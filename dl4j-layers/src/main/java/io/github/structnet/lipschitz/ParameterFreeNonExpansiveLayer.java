package io.github.structnet.lipschitz;

import io.github.structnet.samediff.StructLayer;
import lombok.Data;
import lombok.EqualsAndHashCode;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * A convolutional layer with no parameters whose map is fixed and 1-Lipschitz (a pooling, a rearrangement, a
 * channel lift or projection): nothing to train. Subclasses give the map, its output type and its Lipschitz bound,
 * computed from the map they apply, and say in their Javadoc why it is at most 1.
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
}
