package io.github.structnet.keras;

import io.github.structnet.certify.NetworkLipschitz;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * An imported Keras functional model: the graph and the input types its file declares.
 *
 * @param graph      the imported graph, computing what the Keras model computes at inference
 * @param inputTypes the types of its inputs, in the graph's input order
 */
public record ImportedGraph(ComputationGraph graph, InputType[] inputTypes) {

    /** The certified Lipschitz bound from the inputs to the given output vertex, from the imported weights. */
    public double certifiedBound(String outputVertex) {
        return NetworkLipschitz.upperBound(graph, outputVertex, inputTypes);
    }
}
