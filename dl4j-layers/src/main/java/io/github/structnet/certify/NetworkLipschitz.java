package io.github.structnet.certify;

import io.github.structnet.lipschitz.LipschitzBounded;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.L2NormalizeVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.conf.graph.ScaleVertex;
import org.deeplearning4j.nn.conf.graph.SubsetVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;

/**
 * A sound upper bound of the Lipschitz constant (ℓ2) of a network up to a given layer or vertex, as the network
 * runs at inference: the product of certified per-layer bounds along a chain, combined over a graph.
 * <ul>
 *   <li>layers implementing {@link LipschitzBounded} (StructNet layers) give their own bound;</li>
 *   <li>DL4J {@code DenseLayer}/{@code OutputLayer}/{@code CenterLossOutputLayer} with a monotone 1-Lipschitz
 *       activation (softmax too on an output layer): the Gram-iteration bound of W; 2-D convolutions
 *       ({@code ConvolutionLayer}, {@code Deconvolution2D}, {@code DepthwiseConvolution2D},
 *       {@code SeparableConvolution2D}) of any geometry: Fourier bounds on the input size (needs the input type; see
 *       {@code ConvolutionBounds});</li>
 *   <li>{@code BatchNormalization} at inference: max |γ|/σ on its own, or folded into a preceding dense or
 *       convolution layer with identity activation (the scaled weights bounded as one layer);</li>
 *   <li>{@code ActivationLayer} with such an activation or {@link io.github.structnet.lipschitz.MaxMin}, dropout,
 *       space-to-depth, zero padding, cropping, and {@code LossLayer}/{@code CnnLossLayer} with identity, monotone
 *       or softmax activation: 1; max, average and p-norm pooling of any geometry: from the number of windows an
 *       input falls in (see {@code PoolingBounds}; 1 and 1/k for disjoint k×k max and average windows);
 *       {@code Upsampling2D} by s_h×s_w: √(s_h s_w); global max pooling: 1; global average pooling over H×W:
 *       1/√(HW);</li>
 *   <li>input preprocessors that only reshape are isometries;</li>
 *   <li>graph vertices: concatenation (merge) √(Σ Lᵢ²); element-wise sum or difference Σ Lᵢ, average Σ Lᵢ / n;
 *       scaling |s|·L; subsets and preprocessors L; L2 normalisation with ε &gt; 0: L/ε; a graph's inputs count as
 *       one joint input with bound 1 each.</li>
 * </ul>
 * Any other layer or vertex is refused by name: a bound that is not certified is not returned.
 */
public final class NetworkLipschitz {

    private NetworkLipschitz() {
    }

    /**
     * Whether an activation is one the certificate counts as 1-Lipschitz: softmax, MaxMin, and the monotone
     * activations with slopes in [0, 1] (leaky ReLU and ELU with α in [0, 1]).
     */
    public static boolean isOneLipschitz(org.nd4j.linalg.activations.IActivation activation) {
        try {
            LayerBounds.requireOneLipschitz(activation, "activation");
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The bound for layers 0…lastLayer (inclusive), for example up to the logits; refuses size-dependent layers. */
    public static double upperBound(MultiLayerNetwork net, int lastLayer) {
        return upperBound(net, lastLayer, null);
    }

    /**
     * The bound for layers 0…lastLayer (inclusive) of a network fed with inputs of the given type (needed by
     * DL4J convolution and global average pooling layers, whose bounds depend on the input size).
     */
    public static double upperBound(MultiLayerNetwork net, int lastLayer, InputType inputType) {
        List<LayerBound> lines = breakdown(net, lastLayer, inputType);
        return lines.get(lines.size() - 1).cumulative();
    }

    /**
     * The certificate of layers 0…lastLayer line by line: each layer's own bound, how it was obtained, and the product
     * so far (a batch normalisation folded into the layer before it shares that layer's line), so that the layers
     * that drive the product can be seen.
     *
     * @param inputType the network's input type, or null (then size-dependent layers are refused)
     */
    public static List<LayerBound> breakdown(MultiLayerNetwork net, int lastLayer, InputType inputType) {
        if (lastLayer < 0 || lastLayer >= net.getnLayers()) {
            throw new IllegalArgumentException("NetworkLipschitz: lastLayer " + lastLayer + " is outside [0, "
                    + net.getnLayers() + ")");
        }
        List<InputType> outputs = inputType == null ? null
                : net.getLayerWiseConfigurations().getLayerActivationTypes(inputType);
        List<LayerBound> lines = new ArrayList<>();
        double bound = 1.0;
        for (int i = 0; i <= lastLayer; i++) {
            org.deeplearning4j.nn.conf.layers.Layer conf = net.getLayer(i).conf().getLayer();
            String who = conf.getClass().getSimpleName() + " (layer " + i
                    + (conf.getLayerName() == null ? "" : " '" + conf.getLayerName() + "'") + ")";
            InputType in = outputs == null ? null : i == 0 ? inputType : outputs.get(i - 1);
            in = LayerBounds.throughIsometry(net.getLayerWiseConfigurations().getInputPreProcess(i), in, "layer " + i);
            LayerBounds.Bound b;
            if (i < lastLayer && LayerBounds.foldable(conf)
                    && net.getLayer(i + 1).conf().getLayer() instanceof BatchNormalization
                    && net.getLayerWiseConfigurations().getInputPreProcess(i + 1) == null) {
                who += " with layer " + (i + 1) + ", BatchNormalization, folded into it";
                b = LayerBounds.folded(net.getLayer(i), net.getLayer(i + 1), in, who);
                i++;
            } else {
                b = LayerBounds.of(net.getLayer(i), in, who);
            }
            bound *= b.value();
            lines.add(new LayerBound(who, b.value(), b.method(), bound));
        }
        return lines;
    }

    /**
     * The bound from all inputs of a graph (jointly) to the output of {@code vertex}.
     *
     * @param inputTypes the graph's input types, or none (then size-dependent layers are refused)
     */
    public static double upperBound(ComputationGraph net, String vertex, InputType... inputTypes) {
        List<LayerBound> lines = breakdown(net, vertex, inputTypes);
        return lines.get(lines.size() - 1).cumulative();
    }

    /**
     * The certificate from all inputs of a graph to {@code vertex}, one line per vertex it depends on, in topological
     * order: a layer's own bound and method, or a combining vertex's output bound, and the bound from the inputs to
     * that vertex's output.
     *
     * @param inputTypes the graph's input types, or none (then size-dependent layers are refused)
     */
    public static List<LayerBound> breakdown(ComputationGraph net, String vertex, InputType... inputTypes) {
        ComputationGraphConfiguration conf = net.getConfiguration();
        if (!conf.getVertices().containsKey(vertex) && !conf.getNetworkInputs().contains(vertex)) {
            throw new IllegalArgumentException("NetworkLipschitz: the graph has no vertex '" + vertex + "'");
        }
        Map<String, InputType> types = inputTypes.length == 0 ? null : conf.getLayerActivationTypes(inputTypes);
        Map<String, Double> bounds = new HashMap<>();
        List<LayerBound> lines = new ArrayList<>();
        for (String input : conf.getNetworkInputs()) {
            bounds.put(input, 1.0);
            if (input.equals(vertex)) {
                lines.add(new LayerBound("input '" + input + "'", 1.0, BoundMethod.CLOSED_FORM, 1.0));
            }
        }
        Set<String> needed = ancestors(conf, vertex);
        for (String name : conf.getTopologicalOrderStr()) {
            if (bounds.containsKey(name) || !needed.contains(name)) {
                continue;
            }
            List<String> inputs = conf.getVertexInputs().get(name);
            double[] in = inputs.stream().mapToDouble(bounds::get).toArray();
            InputType inType = types == null || inputs.size() != 1 ? null : types.get(inputs.get(0));
            LayerBound line = foldedBatchNorm(net, name, bounds, types);
            if (line == null) {
                line = vertexBound(net, conf.getVertices().get(name), name, in, inType);
            }
            bounds.put(name, line.cumulative());
            lines.add(line);
            if (name.equals(vertex)) {
                break;
            }
        }
        return lines;
    }

    /**
     * For a batch-normalisation layer vertex whose one input is a {@linkplain LayerBounds#foldable foldable} dense or
     * convolution layer vertex with one input: the bound from the graph's inputs through both, with the batch
     * normalisation folded into the layer; otherwise null.
     */
    private static LayerBound foldedBatchNorm(ComputationGraph net, String name, Map<String, Double> bounds,
            Map<String, InputType> types) {
        ComputationGraphConfiguration conf = net.getConfiguration();
        if (!(conf.getVertices().get(name) instanceof LayerVertex bn)
                || !(bn.getLayerConf().getLayer() instanceof BatchNormalization) || bn.getPreProcessor() != null
                || conf.getVertexInputs().get(name).size() != 1) {
            return null;
        }
        String linearName = conf.getVertexInputs().get(name).get(0);
        if (!(conf.getVertices().get(linearName) instanceof LayerVertex linear)
                || !LayerBounds.foldable(linear.getLayerConf().getLayer())
                || conf.getVertexInputs().get(linearName).size() != 1) {
            return null;
        }
        String source = conf.getVertexInputs().get(linearName).get(0);
        String who = linear.getLayerConf().getLayer().getClass().getSimpleName() + " (vertex '" + linearName
                + "') with BatchNormalization '" + name + "' folded into it";
        InputType type = LayerBounds.throughIsometry(linear.getPreProcessor(), types == null ? null
                : types.get(source), who);
        LayerBounds.Bound b = LayerBounds.folded(net.getLayer(linearName), net.getLayer(name), type, who);
        return new LayerBound(who, b.value(), b.method(), bounds.get(source) * b.value());
    }

    /** The vertex and every vertex it depends on. */
    private static Set<String> ancestors(ComputationGraphConfiguration conf, String vertex) {
        Set<String> seen = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(vertex));
        while (!todo.isEmpty()) {
            String v = todo.pop();
            if (seen.add(v)) {
                todo.addAll(conf.getVertexInputs().getOrDefault(v, List.of()));
            }
        }
        return seen;
    }

    private static LayerBound vertexBound(ComputationGraph net, GraphVertex v, String name, double[] in,
            InputType inType) {
        String who = v.getClass().getSimpleName() + " '" + name + "'";
        if (v instanceof LayerVertex lv) {
            InputType t = LayerBounds.throughIsometry(lv.getPreProcessor(), inType, who);
            String layerWho = lv.getLayerConf().getLayer().getClass().getSimpleName() + " (vertex '" + name + "')";
            LayerBounds.Bound b = LayerBounds.of(net.getLayer(name), t, layerWho);
            return new LayerBound(layerWho, b.value(), b.method(), in[0] * b.value());
        }
        double out = combination(v, who, in);
        return new LayerBound(who, out, BoundMethod.COMBINATION, out);
    }

    /** The output bound of a vertex that combines its inputs' bounds. */
    private static double combination(GraphVertex v, String who, double[] in) {
        if (v instanceof MergeVertex) {
            double sumSquares = 0;
            for (double l : in) {
                sumSquares += l * l;
            }
            return Math.sqrt(sumSquares);
        }
        if (v instanceof ElementWiseVertex e) {
            double sum = 0;
            for (double l : in) {
                sum += l;
            }
            switch (e.getOp()) {
                case Add:
                case Subtract:
                    return sum;
                case Average:
                    return sum / in.length;
                default:
                    throw new IllegalArgumentException("NetworkLipschitz: " + who + " (" + e.getOp()
                            + ") is not certified; supported element-wise ops are Add, Subtract and Average");
            }
        }
        if (v instanceof ScaleVertex s) {
            return Math.abs(s.getScaleFactor()) * in[0];
        }
        if (v instanceof SubsetVertex) {
            return in[0];
        }
        if (v instanceof L2NormalizeVertex n) {
            // x / max(‖x‖, ε) per slice is (1/ε) times the projection onto the ball of radius ε (1-Lipschitz);
            // x / (‖x‖ + ε) has Jacobian norm 1/(‖x‖ + ε): either way 1/ε
            if (!(n.getEps() > 0)) {
                throw new IllegalArgumentException("NetworkLipschitz: " + who + " has eps = " + n.getEps()
                        + "; x/‖x‖ has no Lipschitz bound near 0, so only eps > 0 is certified (bound 1/eps)");
            }
            return in[0] / n.getEps();
        }
        if (v instanceof PreprocessorVertex p) {
            LayerBounds.throughIsometry(p.getPreProcessor(), null, who);
            return in[0];
        }
        throw new IllegalArgumentException("NetworkLipschitz: " + who + " has no certified Lipschitz bound; supported"
                + " vertices are layers (" + LayerBounds.SUPPORTED + "), MergeVertex, ElementWiseVertex"
                + " (Add/Subtract/Average), ScaleVertex, SubsetVertex, L2NormalizeVertex (eps > 0) and"
                + " PreprocessorVertex");
    }
}
