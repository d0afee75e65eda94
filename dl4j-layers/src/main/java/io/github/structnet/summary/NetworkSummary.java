package io.github.structnet.summary;

import io.github.structnet.samediff.NetworkLayers;
import io.github.structnet.samediff.StructuredParameters;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A table of a network's layers with StructNet's own class names and with trainable parameters counted apart from
 * state parameters.
 * <p>DL4J's {@code net.summary()} prints every StructNet layer as {@code StructLayerRuntime} (the corrected runtime
 * they share) and counts state parameters, such as the power-iteration vector of C·H·W entries of a convolutional
 * layer, as parameters, although the updater never changes them. {@code NetworkSummary.of(net)} fixes both;
 * {@link #trainableParameters} and {@link #stateParameters} give the two counts.
 */
public final class NetworkSummary {

    private NetworkSummary() {
    }

    /** One row: a layer or vertex, its configuration class and its parameter counts by kind. */
    public record Row(String name, String type, long trainable, long state, String shapes) {
    }

    /** The rows of a {@link MultiLayerNetwork}, in layer order. */
    public static List<Row> rows(MultiLayerNetwork net) {
        return rows(NetworkLayers.of(net));
    }

    /** The rows of a {@link ComputationGraph}, in topological order. */
    public static List<Row> rows(ComputationGraph net) {
        return rows(NetworkLayers.of(net));
    }

    private static List<Row> rows(List<NetworkLayers.Entry> entries) {
        List<Row> rows = new ArrayList<>();
        for (NetworkLayers.Entry e : entries) {
            rows.add(row(e.name(), e.configuration(), e.parameters()));
        }
        return rows;
    }

    /** The number of parameters the updater trains: all parameters but the state of StructNet layers. */
    public static long trainableParameters(MultiLayerNetwork net) {
        return rows(net).stream().mapToLong(Row::trainable).sum();
    }

    /** The number of trainable parameters of a graph. */
    public static long trainableParameters(ComputationGraph net) {
        return rows(net).stream().mapToLong(Row::trainable).sum();
    }

    /** The number of state parameters (saved with the model, never trained). */
    public static long stateParameters(MultiLayerNetwork net) {
        return rows(net).stream().mapToLong(Row::state).sum();
    }

    /** The number of state parameters of a graph. */
    public static long stateParameters(ComputationGraph net) {
        return rows(net).stream().mapToLong(Row::state).sum();
    }

    /** The summary table of a {@link MultiLayerNetwork}. */
    public static String of(MultiLayerNetwork net) {
        return table(rows(net));
    }

    /** The summary table of a {@link ComputationGraph}. */
    public static String of(ComputationGraph net) {
        return table(rows(net));
    }

    private static Row row(String name, Object conf, Map<String, INDArray> params) {
        Set<String> stateKeys = conf instanceof StructuredParameters s ? s.stateParameterKeys() : Set.of();
        long trainable = 0;
        long state = 0;
        StringBuilder shapes = new StringBuilder();
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            boolean isState = stateKeys.contains(e.getKey());
            if (isState) {
                state += e.getValue().length();
            } else {
                trainable += e.getValue().length();
            }
            shapes.append(shapes.length() == 0 ? "" : ", ").append(e.getKey())
                    .append(Arrays.toString(e.getValue().shape())).append(isState ? " (state)" : "");
        }
        return new Row(name, conf.getClass().getSimpleName(), trainable, state, shapes.toString());
    }

    private static String table(List<Row> rows) {
        int nameWidth = Math.max(5, rows.stream().mapToInt(r -> r.name().length()).max().orElse(0));
        int typeWidth = Math.max(4, rows.stream().mapToInt(r -> r.type().length()).max().orElse(0));
        String format = "%-" + nameWidth + "s  %-" + typeWidth + "s  %12s  %10s  %s%n";
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, format, "layer", "type", "trainable",
                "state", "parameters"));
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, format, r.name(), r.type(), r.trainable(), r.state(), r.shapes()));
        }
        long trainable = rows.stream().mapToLong(Row::trainable).sum();
        long state = rows.stream().mapToLong(Row::state).sum();
        sb.append(String.format(Locale.ROOT, "Trainable parameters: %d; state (saved, not trained): %d%n",
                trainable, state));
        return sb.toString();
    }
}
