package io.github.structnet.summary;

import io.github.structnet.lipschitz.GradientFlowConv2D;
import io.github.structnet.lipschitz.GradientFlowDense;
import io.github.structnet.testutil.Nets;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The summary names StructNet layers by class and counts the power-iteration vectors as state, not parameters. */
class NetworkSummaryTest {

    @Test
    void multiLayerNetworkCountsStateApart() {
        // GradientFlowConv2D on 2×5×4: K 3·3·2·3 = 54, b 3, t 1 trainable; v 2·5·4 = 40 state.
        // GradientFlowDense 40 → 6: W 6·40 = 240, b 6, t 1 trainable; v 40 state. DenseLayer 40 → 3: 123.
        MultiLayerNetwork net = Nets.stack(InputType.convolutional(5, 4, 2), 1,
                new GradientFlowConv2D.Builder().name("flow").hiddenChannels(3).build(),
                new GradientFlowDense.Builder().nHidden(6).build(),
                new DenseLayer.Builder().nOut(3).build());
        assertEquals(54 + 3 + 1 + 240 + 6 + 1 + 123, NetworkSummary.trainableParameters(net));
        assertEquals(40 + 40, NetworkSummary.stateParameters(net));
        assertEquals(net.numParams(), NetworkSummary.trainableParameters(net) + NetworkSummary.stateParameters(net));
        String table = NetworkSummary.of(net);
        assertTrue(table.contains("flow") && table.contains("GradientFlowConv2D") && table.contains("GradientFlowDense")
                && table.contains("v[1, 2, 5, 4] (state)") && !table.contains("StructLayerRuntime"), table);
    }

    @Test
    void computationGraphCountsStateApart() {
        ComputationGraph net = new ComputationGraph(new NeuralNetConfiguration.Builder().graphBuilder()
                .addInputs("in").setInputTypes(InputType.feedForward(4))
                .addLayer("block", new GradientFlowDense.Builder().nHidden(5).build(), "in")
                .addLayer("dense", new DenseLayer.Builder().nOut(2).build(), "block")
                .setOutputs("dense").build());
        net.init();
        assertEquals(5 * 4 + 5 + 1 + 4 * 2 + 2, NetworkSummary.trainableParameters(net));
        assertEquals(4, NetworkSummary.stateParameters(net));
        assertTrue(NetworkSummary.of(net).contains("GradientFlowDense"), NetworkSummary.of(net));
    }
}
