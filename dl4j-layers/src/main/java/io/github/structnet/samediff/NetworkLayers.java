package io.github.structnet.samediff;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The layers of a {@link MultiLayerNetwork} (in order) or the vertices of a {@link ComputationGraph} (in topological
 * order, without inputs), each with its name, its configuration — the layer configuration for a layer vertex, the
 * vertex configuration otherwise — and its parameters (all of them, state included; views, not copies).
 */
public final class NetworkLayers {

    private NetworkLayers() {
    }

    /** One layer or vertex. A layer without a name in a MultiLayerNetwork is named by its index. */
    public record Entry(String name, Object configuration, Map<String, INDArray> parameters) {
    }

    /**
     * The layers of a network or the vertices of a graph.
     *
     * @throws IllegalArgumentException for any other model (the message says what was given; callers prefix their
     *                                  own name)
     */
    public static List<Entry> of(Model model) {
        if (model instanceof MultiLayerNetwork net) {
            return of(net);
        }
        if (model instanceof ComputationGraph graph) {
            return of(graph);
        }
        throw new IllegalArgumentException("a MultiLayerNetwork or ComputationGraph is needed; got "
                + (model == null ? "null" : model.getClass().getName()));
    }

    /** The layers of a MultiLayerNetwork, in order. */
    public static List<Entry> of(MultiLayerNetwork net) {
        requireInitialised(net.getLayers(), "MultiLayerNetwork");
        List<Entry> entries = new ArrayList<>();
        for (Layer layer : net.getLayers()) {
            org.deeplearning4j.nn.conf.layers.Layer conf = layer.conf().getLayer();
            String name = conf.getLayerName() != null ? conf.getLayerName() : String.valueOf(layer.getIndex());
            Map<String, INDArray> params = layer.paramTable();
            entries.add(new Entry(name, conf, params == null ? Map.of() : params));
        }
        return entries;
    }

    /** The vertices of a ComputationGraph other than its inputs, in topological order. */
    public static List<Entry> of(ComputationGraph graph) {
        requireInitialised(graph.getVertices(), "ComputationGraph");
        List<Entry> entries = new ArrayList<>();
        for (int i : graph.topologicalSortOrder()) {
            GraphVertex vertex = graph.getVertices()[i];
            if (vertex.isInputVertex()) {
                continue;
            }
            org.deeplearning4j.nn.conf.graph.GraphVertex conf = graph.getConfiguration().getVertices()
                    .get(vertex.getVertexName());
            Object type = conf instanceof LayerVertex lv ? lv.getLayerConf().getLayer() : conf;
            Map<String, INDArray> params = vertex.paramTable(false);
            entries.add(new Entry(vertex.getVertexName(), type, params == null ? Map.of() : params));
        }
        return entries;
    }

    private static void requireInitialised(Object[] built, String what) {
        if (built == null) {
            throw new IllegalStateException("the " + what + " is not initialised: call init() first");
        }
    }
}
