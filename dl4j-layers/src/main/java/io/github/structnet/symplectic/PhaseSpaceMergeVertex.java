package io.github.structnet.symplectic;

import io.github.structnet.samediff.StructVertex;
import lombok.Data;
import lombok.EqualsAndHashCode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDVertexParams;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * Joins two graph inputs q [mb, n] and p [mb, n] into the phase-space vector x = (q, p) [mb, 2n], so that
 * symplectic layers can sit between separate q and p inputs of a {@code ComputationGraph}. The inverse is
 * {@link PhaseSpaceSplitVertex}. Merging is an isometry; it keeps symplecticity on the pair.
 */
@Data
@EqualsAndHashCode(callSuper = true)
public class PhaseSpaceMergeVertex extends StructVertex {

    @Override
    public SDVariable defineVertex(SameDiff sd, Map<String, SDVariable> in, Map<String, SDVariable> params,
                                   Map<String, SDVariable> masks) {
        return sd.concat(1, in.get("q"), in.get("p"));
    }

    @Override
    public void defineParametersAndInputs(SDVertexParams params) {
        params.defineInputs("q", "p");
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        // no parameters
    }

    @Override
    public int minVertexInputs() {
        return 2;
    }

    @Override
    public int maxVertexInputs() {
        return 2;
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... vertexInputs) {
        if (vertexInputs.length != 2) {
            throw new IllegalArgumentException(describe() + ": needs exactly two inputs (q, p); got "
                    + vertexInputs.length);
        }
        long nq = PhaseSpaces.featuresOf(vertexInputs[0], describe());
        long np = PhaseSpaces.featuresOf(vertexInputs[1], describe());
        if (nq != np) {
            throw new IllegalArgumentException(describe() + ": q and p must have the same size; got " + nq + " and "
                    + np);
        }
        return InputType.feedForward(nq + np);
    }

    @Override
    public void validateInput(INDArray[] input) {
        if (input[0].rank() != 2 || input[1].rank() != 2 || input[0].size(1) != input[1].size(1)) {
            throw new IllegalArgumentException(describe() + ": q and p must be [minibatch, n] of the same n; got "
                    + java.util.Arrays.toString(input[0].shape()) + " and "
                            + java.util.Arrays.toString(input[1].shape()));
        }
        super.validateInput(input);
    }
}
