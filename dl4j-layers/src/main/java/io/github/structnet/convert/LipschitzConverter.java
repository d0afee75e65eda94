package io.github.structnet.convert;

import io.github.structnet.lipschitz.SpectralConv2D;
import io.github.structnet.lipschitz.SpectralDense;
import io.github.structnet.samediff.StructuredParameters;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.ScaleVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.ILossFunction;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns an ordinary DL4J network configuration into its 1-Lipschitz counterpart, with a report of every replacement,
 * and optionally copies trained weights into it.
 * <pre>
 *   LipschitzConverter.Conversion&lt;MultiLayerConfiguration&gt; c = new LipschitzConverter().convert(conf, inputType);
 *   c.report().forEach(System.out::println);
 *   MultiLayerNetwork certified = new MultiLayerNetwork(c.configuration());
 *   certified.init();
 *   LipschitzConverter.copyWeights(trained, certified, c);   // optional: start from the trained weights
 * </pre>
 * <b>Guarantee.</b> Every layer of the result is 1-Lipschitz in ℓ2 by construction (the rules are listed in
 * {@code LayerConversion}: dense and convolution layers spectrally normalised, overlapping max pooling made disjoint,
 * batch and response normalisation removed, activations 1-Lipschitz); in a graph, residual additions become averages
 * (Σ Lᵢ / n ≤ 1) and concatenations of n inputs are scaled by 1/√n (√(Σ Lᵢ²)/√n ≤ 1). So the network up to its
 * output is 1-Lipschitz, which {@link io.github.structnet.certify.NetworkLipschitz} certifies from the weights.
 * Layers without a 1-Lipschitz counterpart, differences, products and element-wise maxima are refused by name.
 */
public final class LipschitzConverter {

    /** The converted configuration, the report, and which converted layer takes which original layer's weights. */
    public record Conversion<C>(C configuration, List<Replacement> report, Map<String, String> parameterSources) {
    }

    private boolean maxMin;
    private ILossFunction loss;
    private IUpdater updater;

    /** Swap ReLU for MaxMin (gradient-norm preserving; needs even channel counts). Default: keep ReLU. */
    public LipschitzConverter maxMin(boolean swap) {
        this.maxMin = swap;
        return this;
    }

    /**
     * The loss of the converted output layers, for example a
     * {@link io.github.structnet.lipschitz.TemperatureCrossEntropy} or
     * {@link io.github.structnet.lipschitz.MultiClassHinge} that builds margins. Default: each layer's own loss.
     */
    public LipschitzConverter loss(ILossFunction lossFunction) {
        this.loss = lossFunction;
        return this;
    }

    /** The updater of the new normalised layers. Default: the updater of the layer each one replaces. */
    public LipschitzConverter updater(IUpdater newUpdater) {
        this.updater = newUpdater;
        return this;
    }

    /**
     * Converts a {@code MultiLayerConfiguration}. The input type is needed: the certified convolutions are built for
     * their input size, and layer sizes are re-inferred.
     */
    public Conversion<MultiLayerConfiguration> convert(MultiLayerConfiguration conf, InputType inputType) {
        require(inputType != null, "an input type is needed to size the certified layers");
        LayerConversion rules = new LayerConversion(maxMin, loss, updater);
        List<Replacement> report = new ArrayList<>();
        Map<String, String> sources = new LinkedHashMap<>();
        NeuralNetConfiguration.ListBuilder list = base(conf.getConf(0), conf.getDataType()).list();
        int index = 0;
        for (int i = 0; i < conf.getConfs().size(); i++) {
            org.deeplearning4j.nn.conf.layers.Layer layer = conf.getConf(i).getLayer();
            String name = layer.getLayerName();
            String who = "layer " + i + (name == null || name.equals("layer" + i) ? "" : " '" + name + "'");
            LayerConversion.Converted converted = rules.convert(layer, who, report);
            for (int j = 0; j < converted.layers().size(); j++) {
                if (j == converted.parameterHeir()) {
                    sources.put(String.valueOf(index), String.valueOf(i));
                }
                list.layer(index++, forgetSizes(converted.layers().get(j)));
            }
        }
        return new Conversion<>(list.setInputType(inputType).build(), List.copyOf(report), Map.copyOf(sources));
    }

    /** Converts a {@code ComputationGraphConfiguration}; one input type per network input. */
    public Conversion<ComputationGraphConfiguration> convert(ComputationGraphConfiguration conf,
            InputType... inputTypes) {
        require(inputTypes != null && inputTypes.length == conf.getNetworkInputs().size(), "one input type per"
                + " network input is needed: " + conf.getNetworkInputs());
        LayerConversion rules = new LayerConversion(maxMin, loss, updater);
        List<Replacement> report = new ArrayList<>();
        Map<String, String> sources = new LinkedHashMap<>();
        Map<String, String> removed = new HashMap<>();
        ComputationGraphConfiguration.GraphBuilder graph = base(conf.getDefaultConfiguration(), conf.getDataType())
                .graphBuilder().addInputs(conf.getNetworkInputs());
        for (String name : topologicalOrder(conf)) {
            GraphVertex vertex = conf.getVertices().get(name);
            String[] inputs = conf.getVertexInputs().get(name).stream().map(in -> resolve(in, removed))
                    .toArray(String[]::new);
            String who = "vertex '" + name + "'";
            if (vertex instanceof LayerVertex layerVertex) {
                LayerConversion.Converted converted = rules.convert(layerVertex.getLayerConf().getLayer(), who,
                        report);
                if (converted.layers().isEmpty()) {
                    removed.put(name, inputs[0]);
                    continue;
                }
                String[] from = inputs;
                for (int j = 0; j < converted.layers().size(); j++) {
                    String vertexName = j == converted.layers().size() - 1 ? name : name + "_" + j;
                    if (j == converted.parameterHeir()) {
                        sources.put(vertexName, name);
                    }
                    graph.addLayer(vertexName, forgetSizes(converted.layers().get(j)), from);
                    from = new String[]{vertexName};
                }
            } else if (vertex instanceof ElementWiseVertex sum) {
                graph.addVertex(name, elementWise(sum, who, inputs.length, report), inputs);
            } else if (vertex instanceof MergeVertex merge) {
                graph.addVertex(name + "_concat", merge.clone(), inputs);
                graph.addVertex(name, new ScaleVertex(1.0 / Math.sqrt(inputs.length)), name + "_concat");
                report.add(new Replacement(who + " (MergeVertex)", "MergeVertex + ScaleVertex (1/√" + inputs.length
                        + ")", "a concatenation of n 1-Lipschitz maps of one input has bound √n"));
            } else if (vertex instanceof ScaleVertex scale && Math.abs(scale.getScaleFactor()) > 1) {
                throw new IllegalArgumentException("LipschitzConverter: " + who + " scales by "
                        + scale.getScaleFactor() + "; a 1-Lipschitz graph allows |s| <= 1");
            } else {
                graph.addVertex(name, vertex.clone(), inputs);
            }
        }
        graph.setOutputs(conf.getNetworkOutputs().stream().map(out -> resolve(out, removed)).toArray(String[]::new));
        graph.setInputTypes(inputTypes);
        return new Conversion<>(graph.build(), List.copyOf(report), Map.copyOf(sources));
    }

    /**
     * Copies the weights of a trained network into its converted counterpart (dense weights transposed and
     * convolution kernels permuted into StructNet's layouts; kept layers parameter by parameter), then re-derives the
     * power-iteration state from the copied weights.
     */
    public static void copyWeights(MultiLayerNetwork trained, MultiLayerNetwork converted,
            Conversion<MultiLayerConfiguration> conversion) {
        conversion.parameterSources().forEach((target, source) -> copy(trained.getLayer(Integer.parseInt(source)),
                converted.getLayer(Integer.parseInt(target)), "layer " + source, "layer " + target));
    }

    /** The graph form of {@link #copyWeights(MultiLayerNetwork, MultiLayerNetwork, Conversion)}. */
    public static void copyWeights(ComputationGraph trained, ComputationGraph converted,
            Conversion<ComputationGraphConfiguration> conversion) {
        conversion.parameterSources().forEach((target, source) -> copy(trained.getLayer(source),
                converted.getLayer(target), "vertex '" + source + "'", "vertex '" + target + "'"));
    }

    private static void copy(Layer source, Layer target, String from, String to) {
        org.deeplearning4j.nn.conf.layers.Layer conf = target.conf().getLayer();
        if (conf instanceof SpectralDense) {
            assign(target, SpectralDense.WEIGHT_KEY, source.getParam("W").transpose(), from, to);
            copyBias(source, target, SpectralDense.BIAS_KEY);
        } else if (conf instanceof SpectralConv2D) {
            assign(target, SpectralConv2D.KERNEL_KEY, source.getParam("W").permute(2, 3, 1, 0), from, to);
            copyBias(source, target, SpectralConv2D.BIAS_KEY);
        } else {
            target.paramTable().forEach((key, value) -> assign(target, key, source.getParam(key), from, to));
        }
        if (conf instanceof StructuredParameters structured) {
            structured.initialiseState(target.paramTable());
        }
    }

    private static void assign(Layer target, String key, INDArray value, String from, String to) {
        INDArray slot = target.paramTable().get(key);
        if (value == null || !java.util.Arrays.equals(slot.shape(), value.shape())) {
            throw new IllegalArgumentException("LipschitzConverter: cannot copy the weights of " + from + " into " + to
                    + ": parameter '" + key + "' has shape " + java.util.Arrays.toString(slot.shape()) + " there and "
                    + (value == null ? "no counterpart" : java.util.Arrays.toString(value.shape())) + " in the"
                    + " original; the conversion changed feature-map sizes (see its report), so these weights do not"
                    + " fit");
        }
        slot.assign(value);
    }

    private static void copyBias(Layer source, Layer target, String key) {
        INDArray bias = target.paramTable().get(key);
        if (bias != null) {
            bias.assign(source.getParam("b").reshape(bias.shape()));
        }
    }

    private static GraphVertex elementWise(ElementWiseVertex vertex, String who, int n, List<Replacement> report) {
        switch (vertex.getOp()) {
            case Average:
                return vertex.clone();
            case Add:
                report.add(new Replacement(who + " (ElementWiseVertex Add)", "ElementWiseVertex Average",
                        "a sum of n 1-Lipschitz maps has bound n, their average 1"));
                return new ElementWiseVertex(ElementWiseVertex.Op.Average);
            default:
                throw new IllegalArgumentException("LipschitzConverter: " + who + " is an element-wise "
                        + vertex.getOp() + " of " + n + " inputs; only Add (made an average) and Average are"
                        + " 1-Lipschitz combinations");
        }
    }

    /** Sizes are re-inferred from the input type: the converted network may change feature-map sizes. */
    private static org.deeplearning4j.nn.conf.layers.Layer forgetSizes(org.deeplearning4j.nn.conf.layers.Layer l) {
        if (l instanceof FeedForwardLayer f && !(l instanceof io.github.structnet.lipschitz.LipschitzBounded)) {
            f.setNIn(0);
        }
        return l;
    }

    private static NeuralNetConfiguration.Builder base(NeuralNetConfiguration original,
            org.nd4j.linalg.api.buffer.DataType dataType) {
        return new NeuralNetConfiguration.Builder().seed(original.getSeed()).dataType(dataType);
    }

    /** The graph's vertices (not its inputs), each after all of its inputs; ties in name order. */
    private static List<String> topologicalOrder(ComputationGraphConfiguration conf) {
        Map<String, List<String>> inputs = conf.getVertexInputs();
        java.util.Set<String> placed = new java.util.HashSet<>(conf.getNetworkInputs());
        List<String> order = new ArrayList<>();
        java.util.SortedSet<String> waiting = new java.util.TreeSet<>(conf.getVertices().keySet());
        while (!waiting.isEmpty()) {
            String next = waiting.stream().filter(v -> placed.containsAll(inputs.getOrDefault(v, List.of())))
                    .findFirst().orElseThrow(() -> new IllegalArgumentException("LipschitzConverter: the graph has a"
                            + " cycle or an unknown input among " + waiting));
            waiting.remove(next);
            placed.add(next);
            order.add(next);
        }
        return order;
    }

    private static String resolve(String name, Map<String, String> removed) {
        String at = name;
        while (removed.containsKey(at)) {
            at = removed.get(at);
        }
        return at;
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException("LipschitzConverter: " + message);
        }
    }
}
