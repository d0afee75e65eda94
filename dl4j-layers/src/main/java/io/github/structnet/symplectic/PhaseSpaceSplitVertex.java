package io.github.structnet.symplectic;

import io.github.structnet.samediff.StructVertex;
import lombok.Data;
import lombok.EqualsAndHashCode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDVertexParams;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * Takes the q half or the p half of a phase-space vector x = (q, p) [mb, 2n], as one output of a
 * {@code ComputationGraph} (a DL4J vertex has one output: use two split vertices for q and p).
 */
@Data
@EqualsAndHashCode(callSuper = true)
public class PhaseSpaceSplitVertex extends StructVertex {

    /** Which half to output. */
    public enum Half { Q, P }

    private Half half;

    public PhaseSpaceSplitVertex() {
        // for Jackson
    }

    public PhaseSpaceSplitVertex(Half half) {
        if (half == null) {
            throw new IllegalArgumentException("PhaseSpaceSplitVertex: half must be Q or P");
        }
        this.half = half;
    }

    @Override
    public SDVariable defineVertex(SameDiff sd, Map<String, SDVariable> in, Map<String, SDVariable> params,
                                   Map<String, SDVariable> masks) {
        SDVariable x = in.get("x");
        long size = x.getShape()[1];
        long n = size / 2;
        return half == Half.Q ? x.get(SDIndex.all(), SDIndex.interval(0L, n))
                : x.get(SDIndex.all(), SDIndex.interval(n, size));
    }

    @Override
    public void defineParametersAndInputs(SDVertexParams params) {
        params.defineInputs("x");
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        // no parameters
    }

    @Override
    public int minVertexInputs() {
        return 1;
    }

    @Override
    public int maxVertexInputs() {
        return 1;
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... vertexInputs) {
        long size = PhaseSpaces.requireEven(PhaseSpaces.featuresOf(vertexInputs[0], describe()), describe());
        return InputType.feedForward(size / 2);
    }

    @Override
    public void validateInput(INDArray[] input) {
        if (input[0].rank() != 2) {
            throw new IllegalArgumentException(describe() + ": expected [minibatch, 2n]; got "
                    + java.util.Arrays.toString(input[0].shape()));
        }
        PhaseSpaces.requireEven(input[0].size(1), describe());
        super.validateInput(input);
    }
}
