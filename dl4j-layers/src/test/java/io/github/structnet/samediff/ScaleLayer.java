package io.github.structnet.samediff;

import lombok.Data;
import lombok.EqualsAndHashCode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;
import java.util.Set;

/**
 * Test layer y = x ⊙ s with a weight s [1, n] and a state counter c [1, 1] that counts state updates.
 * With s = 1 it is the identity.
 */
@Data
@EqualsAndHashCode(callSuper = true)
public class ScaleLayer extends StructLayer {
    private long n;

    private ScaleLayer() {
    }

    public ScaleLayer(long n) {
        super(new Builder());
        this.n = n;
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> p, SDVariable mask) {
        return x.mul(p.get("s"));
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        params.addWeightParam("s", 1, n);
        params.addWeightParam("count", 1, 1);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        params.get("s").assign(1);
        params.get("count").assign(0);
    }

    @Override
    public Set<String> stateParameterKeys() {
        return Set.of("count");
    }

    @Override
    public void updateState(Map<String, INDArray> params) {
        params.get("count").addi(1);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return inputType;
    }

    static class Builder extends StructLayer.Builder<Builder> {
        @Override
        @SuppressWarnings("unchecked")
        public ScaleLayer build() {
            throw new UnsupportedOperationException();
        }
    }
}
