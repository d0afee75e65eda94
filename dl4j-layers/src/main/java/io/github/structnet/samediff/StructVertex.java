package io.github.structnet.samediff;

import lombok.Data;
import lombok.EqualsAndHashCode;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffVertex;
import org.deeplearning4j.nn.conf.serde.JsonMappers;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.regularization.Regularization;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Base configuration of every StructNet SameDiff vertex. Its {@link #instantiate} returns the corrected
 * runtime {@link StructVertexRuntime}, which computes exact gradients and works with workspaces enabled.
 * <p>Unlike DL4J's {@code SameDiffVertex}, subclasses must say their output type, masks are propagated
 * (the first non-null input mask, by default), and {@link #clone()} works (a JSON round trip, so it never
 * drifts from the fields).
 */
@Data
@EqualsAndHashCode(callSuper = true)
public abstract class StructVertex extends SameDiffVertex implements StructuredParameters {

    @Override
    public abstract InputType getOutputType(int layerIndex, InputType... vertexInputs);

    @Override
    public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph, String name, int idx,
                                                                      INDArray paramsView, boolean initializeParams,
                                                                      DataType networkDatatype) {
        setName(name);
        return new StructVertexRuntime(this, graph, name, idx, paramsView, initializeParams, networkDatatype);
    }

    /** Propagates the first non-null input mask unchanged. Override for vertices that change the time axis. */
    @Override
    public Pair<INDArray, MaskState> feedForwardMaskArrays(INDArray[] maskArrays, MaskState currentMaskState,
                                                           int minibatchSize) {
        if (maskArrays != null) {
            for (INDArray m : maskArrays) {
                if (m != null) {
                    return new Pair<>(m, currentMaskState);
                }
            }
        }
        return new Pair<>(null, currentMaskState);
    }

    @Override
    public GraphVertex clone() {
        try {
            String json = JsonMappers.getMapper().writeValueAsString(this);
            return JsonMappers.getMapper().readValue(json, GraphVertex.class);
        } catch (IOException e) {
            throw new UncheckedIOException(describe() + ": cannot clone the configuration through JSON", e);
        }
    }

    @Override
    public IUpdater getUpdaterByParam(String paramName) {
        return updaterFor(paramName, super.getUpdaterByParam(paramName));
    }

    @Override
    public List<Regularization> getRegularizationByParam(String paramName) {
        return regularizationFor(paramName, super.getRegularizationByParam(paramName));
    }

    @Override
    public String describe() {
        return StructuredParameters.describe(this, getName());
    }

    /** Checks the inputs before the forward pass (finiteness); subclasses add shape checks and call this. */
    @Override
    public void validateInput(INDArray[] input) {
        for (int i = 0; i < input.length; i++) {
            requireFinite(input, i);
        }
    }

    /** Refuses input i if it holds NaN or infinite values, naming this vertex and the input. */
    protected void requireFinite(INDArray[] input, int i) {
        List<String> names = getVertexParams().getInputs();
        GraphPass.requireFinite(input[i], describe(), "input '" + names.get(i) + "'");
    }
}
