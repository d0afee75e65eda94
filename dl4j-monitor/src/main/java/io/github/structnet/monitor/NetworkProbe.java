package io.github.structnet.monitor;

import io.github.structnet.certify.LayerBound;
import io.github.structnet.certify.NetworkLipschitz;
import io.github.structnet.certify.Symplecticity;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A monitored network and the output it is monitored at (a layer index of a MultiLayerNetwork, a vertex of a
 * ComputationGraph; by default the last layer or the first network output): its certificate up to that output, its
 * output there at inference, and its map for structure checks.
 */
final class NetworkProbe {

    private static final int BATCH = 500;

    private final Model model;
    private final Integer layer;
    private final String vertex;

    private NetworkProbe(Model model, Integer layer, String vertex) {
        this.model = model;
        this.layer = layer;
        this.vertex = vertex;
    }

    /** The probe of a model at the monitored output ({@code output}: Integer, String or null for the default). */
    static NetworkProbe of(Model model, Object output) {
        if (model instanceof MultiLayerNetwork net) {
            if (output instanceof String) {
                throw new IllegalArgumentException("StructureMonitor: a MultiLayerNetwork is monitored at a layer "
                        + "index; got vertex name '" + output + "'");
            }
            int last = net.getnLayers() - 1;
            int index = output == null ? last : (Integer) output;
            if (index < 0 || index > last) {
                throw new IllegalArgumentException("StructureMonitor: output layer " + index + " is outside [0, "
                        + last + "]");
            }
            return new NetworkProbe(model, index, null);
        }
        if (model instanceof ComputationGraph graph) {
            if (output instanceof Integer) {
                throw new IllegalArgumentException("StructureMonitor: a ComputationGraph is monitored at a vertex "
                        + "name; got layer index " + output);
            }
            String name = output == null ? graph.getConfiguration().getNetworkOutputs().get(0) : (String) output;
            if (!graph.getConfiguration().getVertices().containsKey(name)) {
                throw new IllegalArgumentException("StructureMonitor: the graph has no vertex '" + name
                        + "'; its vertices are " + graph.getConfiguration().getVertices().keySet());
            }
            return new NetworkProbe(model, null, name);
        }
        throw new IllegalArgumentException("StructureMonitor: a MultiLayerNetwork or ComputationGraph is needed; got "
                + (model == null ? "null" : model.getClass().getName()));
    }

    /** Whether this probe belongs to {@code other} (the listener may be moved to another network). */
    boolean isOf(Model other) {
        return model == other;
    }

    /** The certificate up to the monitored output, line by line. */
    List<LayerBound> breakdown(InputType[] inputTypes) {
        if (model instanceof MultiLayerNetwork net) {
            return NetworkLipschitz.breakdown(net, layer, inputTypes.length == 0 ? null : inputTypes[0]);
        }
        return NetworkLipschitz.breakdown((ComputationGraph) model, vertex, inputTypes);
    }

    /** The monitored output at inference for a [n, …] batch of inputs, in chunks of {@value #BATCH}. */
    INDArray output(INDArray features) {
        List<INDArray> parts = new ArrayList<>();
        for (long start = 0; start < features.size(0); start += BATCH) {
            INDArray chunk = features.get(NDArrayIndex.interval(start, Math.min(start + BATCH, features.size(0))));
            parts.add(outputOfChunk(chunk).dup());
        }
        return parts.size() == 1 ? parts.get(0) : Nd4j.concat(0, parts.toArray(new INDArray[0]));
    }

    private INDArray outputOfChunk(INDArray chunk) {
        if (model instanceof MultiLayerNetwork net) {
            return net.feedForwardToLayer(layer, chunk, false).get(layer + 1);
        }
        return ((ComputationGraph) model).feedForward(chunk, false).get(vertex);
    }

    /** max |(Jᵀ𝕁J − 𝕁)_ij| of the monitored map at x [1, 2n]. */
    double symplecticityDefect(INDArray x) {
        if (model instanceof MultiLayerNetwork net && layer == net.getnLayers() - 1) {
            return Symplecticity.defect(net, x);
        }
        return Symplecticity.defect(map(), x);
    }

    /** The monitored map x ↦ output at inference. */
    UnaryOperator<INDArray> map() {
        return this::output;
    }
}
