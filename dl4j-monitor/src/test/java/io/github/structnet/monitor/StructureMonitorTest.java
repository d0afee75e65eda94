package io.github.structnet.monitor;

import io.github.structnet.certify.LayerBound;
import io.github.structnet.certify.NetworkLipschitz;
import io.github.structnet.lipschitz.GradientFlowDense;
import io.github.structnet.spectral.GramIteration;
import io.github.structnet.symplectic.PhaseSpaceLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.ui.model.storage.FileStatsStorage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What {@link StructureMonitor} records equals what is computed independently from the network's parameters at that
 * moment (power-iteration estimates, certificates, step sizes, clean and certified accuracy, symplecticity), it comes
 * back bitwise from the CSV file and from DL4J's file storage, and wrong settings are refused with clear messages.
 */
class StructureMonitorTest {

    @TempDir
    Path dir;

    @Test
    void recordsWhatTheParametersSay() {
        MultiLayerNetwork net = TinyNets.classifier(11);
        DataSet test = TinyNets.classes(60, 99);
        double[] epsilons = {0.05, 0.2};
        StructureMonitor monitor = StructureMonitor.builder().every(1).certifyEvery(3).outputLayer(2)
                .evaluation(test, epsilons).build();
        net.setListeners(monitor);
        net.fit(TinyNets.batches(48, 5), 2); // 3 minibatches per epoch: iterations 0…5, epochs 0 and 1
        List<Measurement> all = monitor.measurements();

        // cheap quantities at every iteration, certificates at 0 and 3 and at each epoch's end (5 twice: no repeat)
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L), iterations(all, Quantity.SCORE, null));
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L), iterations(all, Quantity.POWER_ITERATION_ESTIMATE, "layer1"));
        assertEquals(List.of(0L, 2L, 3L, 5L), iterations(all, Quantity.NETWORK_BOUND, null));
        assertEquals(List.of(2L, 5L), iterations(all, Quantity.CLEAN_ACCURACY, null));

        // the last values against independent computations from the final parameters
        for (int layer = 0; layer < 3; layer++) {
            Map<String, INDArray> p = net.getLayer(layer).paramTable();
            INDArray v = p.get("v");
            double expected = p.get("W").mmul(v.transpose()).norm2Number().doubleValue()
                    / v.norm2Number().doubleValue();
            double recorded = last(all, Quantity.POWER_ITERATION_ESTIMATE, "layer" + layer);
            assertEquals(expected, recorded, 1e-12 * expected, "σ̂ of layer " + layer);
            assertTrue(recorded <= GramIteration.upperBound(p.get("W")) * (1 + 1e-12),
                    "the estimate never exceeds the certified norm");
        }
        List<LayerBound> lines = NetworkLipschitz.breakdown(net, 2, null);
        double bound = lines.get(lines.size() - 1).cumulative();
        assertEquals(bound, last(all, Quantity.NETWORK_BOUND, Measurement.NETWORK), 0.0);
        for (LayerBound line : lines) {
            assertEquals(line.bound(), last(all, Quantity.LAYER_BOUND, line.name()), 0.0, line.name());
        }
        assertTrue(bound <= 1 + 1e-9, "a 1-Lipschitz stack stays certified at 1: " + bound);

        GradientFlowDense flow = (GradientFlowDense) net.getLayer(1).conf().getLayer();
        Map<String, INDArray> fp = net.getLayer(1).paramTable();
        double b = GramIteration.upperBound(fp.get("W"));
        double gate = 1 / (1 + Math.exp(-fp.get("t").getDouble(0)));
        double tau = 2 * flow.getSafetyFraction() * gate / (b * b + 1e-12);
        assertEquals(tau, last(all, Quantity.STEP_SIZE, "layer1"), 1e-12 * tau, "τ of the gradient-flow block");

        INDArray logits = net.feedForwardToLayer(2, test.getFeatures(), false).get(3);
        INDArray labels = test.getLabels();
        int n = (int) labels.size(0);
        int correct = 0;
        int[] certified = new int[epsilons.length];
        for (int i = 0; i < n; i++) {
            int y = labels.getRow(i).argMax().getInt(0);
            double other = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < TinyNets.CLASSES; k++) {
                if (k != y) {
                    other = Math.max(other, logits.getDouble(i, k));
                }
            }
            double margin = logits.getDouble(i, y) - other;
            correct += margin > 0 ? 1 : 0;
            for (int e = 0; e < epsilons.length; e++) {
                certified[e] += margin > Math.sqrt(2) * bound * epsilons[e] ? 1 : 0;
            }
        }
        assertEquals(correct / (double) n, last(all, Quantity.CLEAN_ACCURACY, Measurement.NETWORK), 1e-15);
        for (int e = 0; e < epsilons.length; e++) {
            assertEquals(certified[e] / (double) n,
                    last(all, Quantity.CERTIFIED_ACCURACY, Measurement.radius(epsilons[e])), 1e-15, "ε " + epsilons[e]);
        }
        assertTrue(correct > n / 3, "the classifier learned something: " + correct + " of " + n);
    }

    @Test
    void graphIsMonitoredAtItsLogitsVertex() {
        ComputationGraph graph = TinyNets.graph(12);
        StructureMonitor monitor = StructureMonitor.builder().every(2).outputVertex("logits")
                .evaluation(TinyNets.classes(30, 98), 0.1).build();
        graph.setListeners(monitor);
        graph.fit(TinyNets.batches(32, 6), 1);
        List<Measurement> all = monitor.measurements();
        assertEquals(NetworkLipschitz.upperBound(graph, "logits"), last(all, Quantity.NETWORK_BOUND, "network"), 0.0);
        assertTrue(all.stream().anyMatch(m -> m.quantity() == Quantity.POWER_ITERATION_ESTIMATE
                && m.source().equals("b")), "the gradient-flow vertex 'b' is recorded");
        assertTrue(all.stream().anyMatch(m -> m.quantity() == Quantity.CERTIFIED_ACCURACY));
    }

    @Test
    void symplecticNetworkRecordsStepsDefectAndEnergy() {
        MultiLayerNetwork net = TinyNets.sympNet(13);
        INDArray probe = Nd4j.create(new double[][]{{0.3, -0.7}});
        INDArray start = Nd4j.create(new double[][]{{1.0, 0.0}});
        StructureMonitor monitor = StructureMonitor.builder().certificate(false).certifyEvery(2).outputLayer(3)
                .symplecticity(probe).energy(start, 20, x -> 0.5 * x.mul(x).sumNumber().doubleValue()).build();
        net.setListeners(monitor);
        DataSet data = TinyNets.rotation(32, 4);
        for (int i = 0; i < 5; i++) {
            net.fit(data);
        }
        List<Measurement> all = monitor.measurements();
        assertEquals(List.of(0L, 2L, 4L), iterations(all, Quantity.SYMPLECTICITY_DEFECT, null));
        for (Measurement m : select(all, Quantity.SYMPLECTICITY_DEFECT, null)) {
            assertTrue(m.value() < 1e-8, "a SympNet is symplectic at every recorded iteration: " + m);
        }
        double energy = last(all, Quantity.ENERGY_ERROR, Measurement.NETWORK);
        assertTrue(energy > 0 && Double.isFinite(energy), "energy error along the rollout: " + energy);
        PhaseSpaceLayer g0 = (PhaseSpaceLayer) net.getLayer(0).conf().getLayer();
        assertEquals(net.getLayer(0).paramTable().get("h").getDouble(0), last(all, Quantity.STEP_SIZE, "G0"), 0.0);
        assertEquals(g0.stepSize(net.getLayer(0).paramTable()), last(all, Quantity.STEP_SIZE, "G0"), 0.0);
        assertFalse(all.stream().anyMatch(m -> m.quantity() == Quantity.NETWORK_BOUND), "no certificate asked for");

        // negative control: the same check on a map that is not symplectic (a gradient-flow step) reports a defect
        NetworkProbe contraction = NetworkProbe.of(TinyNets.gradientFlow(1), 0);
        double defect = contraction.symplecticityDefect(Nd4j.create(new double[][]{{0.1, 0.2, 0.3, 0.4}}));
        assertTrue(defect > 1e-3, "a gradient-flow step is not symplectic: defect " + defect);
    }

    @Test
    void anEpochEndBeforeAnyIterationIsRecorded() {
        MultiLayerNetwork net = TinyNets.classifier(16);
        StructureMonitor monitor = StructureMonitor.builder().outputLayer(2).evaluation(TinyNets.classes(20, 3), 0.1)
                .build();
        monitor.onEpochEnd(net); // an epoch over an empty iterator
        List<Measurement> all = monitor.measurements();
        assertEquals(NetworkLipschitz.upperBound(net, 2), last(all, Quantity.NETWORK_BOUND, Measurement.NETWORK), 0.0);
        assertEquals(List.of(0L), iterations(all, Quantity.CLEAN_ACCURACY, null));
    }

    @Test
    void uncertifiableNetworkIsRefusedWithTheWayOut() {
        MultiLayerNetwork net = TinyNets.sympNet(14);
        net.setListeners(StructureMonitor.builder().certifyEvery(1).build());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> net.fit(TinyNets.rotation(8, 1)));
        assertTrue(e.getMessage().contains("certificate(false)") && e.getMessage().contains("GradientModule"),
                e.getMessage());
    }

    @Test
    void csvStorageAndChartGiveBackWhatWasRecorded() throws Exception {
        Path csv = dir.resolve("run.csv");
        Path stats = dir.resolve("run.dl4j");
        FileStatsStorage storage = new FileStatsStorage(stats.toFile());
        MultiLayerNetwork net = TinyNets.classifier(15);
        StructureMonitor monitor = StructureMonitor.builder().every(1).certifyEvery(2).outputLayer(2)
                .evaluation(TinyNets.classes(40, 97), 0.1, 0.3).csv(csv).storage(storage, "run-1").build();
        net.setListeners(monitor);
        net.fit(TinyNets.batches(32, 7), 3);
        List<Measurement> recorded = monitor.measurements();
        assertTrue(recorded.size() > 40, "measurements: " + recorded.size());

        assertEquals(recorded, MonitorCsv.read(csv), "the CSV gives back every value bitwise");
        assertEquals(recorded, StructureReport.readAll(storage, "run-1"), "so does the stats storage");
        storage.close();
        FileStatsStorage reopened = new FileStatsStorage(stats.toFile());
        assertEquals(recorded, StructureReport.readAll(reopened, "run-1"), "and the storage file, reopened");
        reopened.close();

        Path png = dir.resolve("charts/run.png");
        assertEquals(3, RunChart.write(recorded, png), "certificate, accuracy and step-size panels");
        BufferedImage image = ImageIO.read(png.toFile());
        assertEquals(1280, image.getWidth());
        assertEquals(840, image.getHeight());
        try (var files = Files.list(png.getParent())) {
            assertEquals(1, files.count(), "no temporary file is left beside the chart");
        }
    }

    @Test
    void reportRecordRoundTripsBitwise() {
        List<Measurement> values = List.of(new Measurement(3, 1, "SpectralDense (layer 0, 'a')", Quantity.LAYER_BOUND,
                        Math.nextUp(1.0)),
                new Measurement(4, 1, Measurement.NETWORK, Quantity.SCORE, Double.NaN),
                new Measurement(4, 1, "σ̂ layer \"b\"", Quantity.POWER_ITERATION_ESTIMATE, -0.0));
        StructureReport report = new StructureReport("s", "w", 42, values);
        StructureReport copy = new StructureReport();
        copy.decode(report.encode());
        assertEquals(values, copy.measurements());
        assertEquals("s", copy.getSessionID());
        assertEquals(42, copy.getTimeStamp());
        assertEquals(report.encodingLengthBytes(), report.encode().length);
        byte[] damaged = report.encode();
        damaged[3] = 9; // the format number
        assertTrue(assertThrows(java.io.UncheckedIOException.class, () -> new StructureReport().decode(damaged))
                .getMessage().contains("format 9"));
    }

    @Test
    void wrongSettingsAreRefusedByName() {
        assertMessage(() -> StructureMonitor.builder().every(0), "every must be >= 1", "got 0");
        assertMessage(() -> StructureMonitor.builder().certifyEvery(-2), "certifyEvery must be >= 0", "got -2");
        assertMessage(() -> StructureMonitor.builder().evaluation(TinyNets.classes(4, 1), 0.1, Double.NaN),
                "ε = NaN", "finite and >= 0");
        assertMessage(() -> StructureMonitor.builder().symplecticity(Nd4j.zeros(DataType.DOUBLE, 1, 3)),
                "[1, 2n]", "[1, 3]");
        assertMessage(() -> StructureMonitor.builder().evaluation(TinyNets.classes(4, 1), 0.1)
                .certificate(false).build(), "certified accuracy needs the certificate");
        MultiLayerNetwork net = TinyNets.classifier(2);
        net.setListeners(StructureMonitor.builder().outputLayer(9).build());
        assertMessage(() -> {
            net.fit(TinyNets.batches(16, 1), 1);
            return null;
        }, "output layer 9 is outside [0, 3]");
    }

    private static void assertMessage(java.util.function.Supplier<?> action, String... parts) {
        RuntimeException e = assertThrows(RuntimeException.class, action::get);
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "'" + part + "' in: " + e.getMessage());
        }
    }

    private static List<Measurement> select(List<Measurement> all, Quantity quantity, String source) {
        Predicate<Measurement> wanted = m -> m.quantity() == quantity && (source == null || m.source().equals(source));
        return all.stream().filter(wanted).toList();
    }

    private static List<Long> iterations(List<Measurement> all, Quantity quantity, String source) {
        return select(all, quantity, source).stream().map(Measurement::iteration).toList();
    }

    private static double last(List<Measurement> all, Quantity quantity, String source) {
        List<Measurement> chosen = select(all, quantity, source);
        assertFalse(chosen.isEmpty(), "no " + quantity + " of " + source + " in " + all);
        return chosen.get(chosen.size() - 1).value();
    }
}
