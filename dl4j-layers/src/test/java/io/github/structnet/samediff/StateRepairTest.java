package io.github.structnet.samediff;

import io.github.structnet.lipschitz.GradientFlowConv2D;
import io.github.structnet.lipschitz.GradientFlowDense;
import io.github.structnet.lipschitz.SpectralDense;
import io.github.structnet.spectral.GramIteration;
import io.github.structnet.testutil.Nets;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * State repair after parameter averaging: averaged power-iteration vectors back to unit norm in their direction,
 * vectors of copies that disagree in sign (average zero, on which training fails) re-derived from the weights to a
 * singular-vector estimate, weights untouched, on a network and a graph.
 */
class StateRepairTest {

    private static MultiLayerNetwork network(long seed) {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .seed(seed).updater(new Adam(0.05)).list()
                .layer(new GradientFlowConv2D.Builder().name("conv").hiddenChannels(3).build())
                .layer(new SpectralDense.Builder().name("lift").nOut(5).build())
                .layer(new GradientFlowDense.Builder().name("block").nHidden(5).build())
                .layer(new LossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY).build())
                .setInputType(InputType.convolutional(3, 3, 2)).build());
        net.init();
        return net;
    }

    private static DataSet data(long seed) {
        Nd4j.getRandom().setSeed(seed);
        return new DataSet(Nd4j.randn(DataType.DOUBLE, 6, 2, 3, 3), Nd4j.randn(DataType.DOUBLE, 6, 5));
    }

    private static List<INDArray> vectors(MultiLayerNetwork net) {
        return List.of(net.getLayer(0).getParam("v"), net.getLayer(1).getParam("v"), net.getLayer(2).getParam("v"));
    }

    @Test
    void averagedVectorsReturnToUnitNormInTheirDirection() {
        MultiLayerNetwork a = network(1);
        MultiLayerNetwork b = a.clone();
        for (int i = 0; i < 5; i++) {
            a.fit(data(10 + i));
            b.fit(data(20 + i));
        }
        MultiLayerNetwork averaged = a.clone();
        averaged.setParams(a.params().add(b.params()).divi(2));
        Map<String, INDArray> weightsBefore = new HashMap<>();
        averaged.paramTable().forEach((k, v) -> weightsBefore.put(k, v.dup()));
        List<INDArray> before = vectors(averaged).stream().map(INDArray::dup).toList();
        for (INDArray v : before) {
            assertTrue(v.norm2Number().doubleValue() < 1 - 1e-9, "an average of distinct unit vectors is shorter");
        }
        StateRepair.Report report = StateRepair.repair(averaged);
        assertEquals(3, report.checked());
        assertEquals(List.of(), report.rederived());
        List<INDArray> repaired = vectors(averaged);
        for (int i = 0; i < 3; i++) {
            assertEquals(1.0, repaired.get(i).norm2Number().doubleValue(), 1e-12);
            assertTrue(repaired.get(i).equalsWithEps(before.get(i).div(before.get(i).norm2Number()), 1e-12));
        }
        Map<String, INDArray> after = averaged.paramTable();
        for (Map.Entry<String, INDArray> e : weightsBefore.entrySet()) {
            if (!e.getKey().endsWith("_v")) {
                assertEquals(e.getValue(), after.get(e.getKey()), "weights untouched: " + e.getKey());
            }
        }
    }

    @Test
    void vectorsOfCopiesThatDisagreeAreRederivedFromTheWeights() {
        MultiLayerNetwork a = network(2);
        MultiLayerNetwork b = a.clone();
        for (INDArray v : vectors(b)) {
            v.negi(); // −v is as good a singular vector as v
        }
        MultiLayerNetwork averaged = a.clone();
        averaged.setParams(a.params().add(b.params()).divi(2));
        for (INDArray v : vectors(averaged)) {
            assertEquals(0.0, v.norm2Number().doubleValue(), 0.0);
        }
        MultiLayerNetwork unrepaired = averaged.clone();
        assertThrows(IllegalStateException.class, () -> unrepaired.fit(data(3)), "a zero vector cannot be iterated");

        StateRepair.Report report = StateRepair.repair(averaged);
        assertEquals(List.of("GradientFlowConv2D 'conv'", "SpectralDense 'lift'", "GradientFlowDense 'block'"),
                report.rederived());
        INDArray w = averaged.getLayer(1).getParam("W");
        INDArray v = averaged.getLayer(1).getParam("v");
        assertEquals(1.0, v.norm2Number().doubleValue(), 1e-12);
        double estimate = v.mmul(w.transpose()).norm2Number().doubleValue();
        assertEquals(GramIteration.upperBound(w), estimate, 1e-3 * estimate, "v estimates the top singular value");
        averaged.fit(data(3));
        assertTrue(Double.isFinite(averaged.score()));
    }

    @Test
    void repairsTheLayersOfAGraph() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        ComputationGraph graph = new ComputationGraph(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .seed(4).graphBuilder().addInputs("in")
                .addLayer("lift", new SpectralDense.Builder().nOut(4).build(), "in")
                .addLayer("block", new GradientFlowDense.Builder().nHidden(4).build(), "lift")
                .addLayer("out", Nets.mseOutput(2), "block")
                .setOutputs("out").setInputTypes(InputType.feedForward(3)).build());
        graph.init();
        graph.getLayer("lift").getParam("v").muli(0.8);
        graph.getLayer("block").getParam("v").assign(0);
        StateRepair.Report report = StateRepair.repair(graph);
        assertEquals(2, report.checked());
        assertEquals(List.of("GradientFlowDense 'block'"), report.rederived());
        assertArrayEquals(new double[]{1.0, 1.0}, new double[]{
                graph.getLayer("lift").getParam("v").norm2Number().doubleValue(),
                graph.getLayer("block").getParam("v").norm2Number().doubleValue()}, 1e-12);
    }
}
