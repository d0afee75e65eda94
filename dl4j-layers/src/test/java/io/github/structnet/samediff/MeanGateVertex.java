package io.github.structnet.samediff;

import lombok.Data;
import lombok.EqualsAndHashCode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDVertexParams;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/** Test vertex with a reduction and a parameter: y = a ⊙ w + mean_features(b) (broadcast). */
@Data
@EqualsAndHashCode(callSuper = true)
public class MeanGateVertex extends StructVertex {
    private long n;

    public MeanGateVertex() {
    }

    public MeanGateVertex(long n) {
        this.n = n;
    }

    @Override
    public SDVariable defineVertex(SameDiff sd, Map<String, SDVariable> in, Map<String, SDVariable> p,
                                   Map<String, SDVariable> masks) {
        return in.get("a").mul(p.get("w")).add(in.get("b").mean(true, 1));
    }

    @Override
    public void defineParametersAndInputs(SDVertexParams params) {
        params.defineInputs("a", "b");
        params.addWeightParam("w", 1, n);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        params.get("w").assign(org.nd4j.linalg.factory.Nd4j.rand(params.get("w").dataType(), 1, n).addi(0.5));
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... vertexInputs) {
        return InputType.feedForward(n);
    }
}
