package io.github.structnet.monitor;

import org.deeplearning4j.core.storage.Persistable;
import org.deeplearning4j.core.storage.StatsStorage;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.ui.model.stats.StatsListener;
import org.deeplearning4j.ui.model.stats.api.StatsInitializationReport;
import org.deeplearning4j.ui.model.stats.api.StatsReport;
import org.deeplearning4j.ui.model.stats.api.StatsType;
import org.deeplearning4j.ui.model.storage.FileStatsStorage;
import org.deeplearning4j.ui.model.storage.InMemoryStatsStorage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DL4J's {@code StatsListener} on StructNet networks, with {@code InMemoryStatsStorage} and {@code FileStatsStorage}:
 * every iteration's score is stored bitwise as the network reported it, the trained parameters get parameter and
 * update statistics, and the power-iteration vectors ({@code v}) are not listed as parameters — they are state, which
 * StructNet's {@link StructureMonitor} reports in the same session.
 */
class StatsListenerTest {

    private static final int ITERATIONS = 6;

    @TempDir
    Path dir;

    @Test
    void multiLayerNetworkInMemoryAndOnFile() throws Exception {
        for (boolean onFile : new boolean[]{false, true}) {
            File file = dir.resolve("mln-stats.dl4j").toFile();
            StatsStorage storage = onFile ? new FileStatsStorage(file) : new InMemoryStatsStorage();
            MultiLayerNetwork net = TinyNets.classifier(7);
            List<Double> scores = train(net, storage);
            String session = assertRecorded(storage, scores, List.of("0_W", "0_b", "1_W", "1_t", "2_W"),
                    List.of("0_v", "1_v", "2_v"));
            assertTrue(storage.listTypeIDsForSession(session).contains(StructureReport.TYPE_ID),
                    "StructNet's records share the session: " + storage.listTypeIDsForSession(session));
            if (onFile) {
                storage.close();
                StatsStorage reopened = new FileStatsStorage(file);
                assertRecorded(reopened, scores, List.of("0_W"), List.of("0_v"));
                reopened.close();
            }
        }
    }

    @Test
    void computationGraphInMemory() {
        StatsStorage storage = new InMemoryStatsStorage();
        ComputationGraph graph = TinyNets.graph(8);
        List<Double> scores = train(graph, storage);
        assertRecorded(storage, scores, List.of("a_W", "b_W", "b_t", "logits_W"), List.of("a_v", "b_v", "logits_v"));
    }

    /**
     * Whether a statistic has a value for a key. DL4J's binary encoding (file storage) writes every statistic for the
     * union of the names it reports anywhere — its learning-rate table lists every array of the parameter vector, the
     * state included (rate 0: NoOp updater) — and reads back NaN where a statistic had no entry.
     */
    private static boolean hasValue(Map<String, Double> statistic, String key) {
        return statistic.containsKey(key) && !Double.isNaN(statistic.get(key));
    }

    /** Trains with a StatsListener and a StructureMonitor in one session; returns the scores the network reported. */
    private static List<Double> train(Model model, StatsStorage storage) {
        StatsListener stats = new StatsListener(storage, 1);
        stats.setSessionID("session-" + model.getClass().getSimpleName());
        StructureMonitor monitor = StructureMonitor.builder().every(1).storage(storage, stats.getSessionID()).build();
        TinyNets.Scores scores = new TinyNets.Scores();
        model.setListeners(stats, monitor, scores);
        DataSet batch = TinyNets.classes(16, 3);
        for (int i = 0; i < ITERATIONS; i++) {
            if (model instanceof MultiLayerNetwork net) {
                net.fit(batch);
            } else {
                ((ComputationGraph) model).fit(batch);
            }
        }
        return scores.values;
    }

    /** Asserts the stored scores and which arrays are reported as parameters; returns the session ID. */
    private static String assertRecorded(StatsStorage storage, List<Double> scores, List<String> parameters,
                                         List<String> state) {
        assertEquals(1, storage.listSessionIDs().size(), "sessions: " + storage.listSessionIDs());
        String session = storage.listSessionIDs().get(0);
        List<Persistable> updates = storage.getAllUpdatesAfter(session, StatsListener.TYPE_ID, Long.MIN_VALUE);
        assertEquals(ITERATIONS, updates.size(), "one stats report per iteration");
        List<Double> stored = new ArrayList<>();
        for (Persistable p : updates) {
            stored.add(((StatsReport) p).getScore());
        }
        assertEquals(scores, stored, "stored scores equal the scores the network reported, bitwise");

        StatsInitializationReport init = (StatsInitializationReport) storage.getAllStaticInfos(session,
                StatsListener.TYPE_ID).get(0);
        List<String> names = Arrays.asList(init.getModelParamNames());
        StatsReport last = (StatsReport) updates.get(updates.size() - 1);
        Map<String, Double> parameterMeans = last.getMeanMagnitudes(StatsType.Parameters);
        Map<String, Double> updateMeans = last.getMeanMagnitudes(StatsType.Updates);
        for (String p : parameters) {
            assertTrue(names.contains(p), p + " among the model's parameters " + names);
            assertTrue(parameterMeans.containsKey(p), p + " has parameter statistics: " + parameterMeans.keySet());
            assertTrue(updateMeans.containsKey(p), p + " has update statistics: " + updateMeans.keySet());
        }
        assertTrue(updateMeans.get(parameters.get(0)) > 0, "the first weight was updated: " + updateMeans);
        Map<String, Double> rates = last.getLearningRates();
        assertEquals(0.02, rates.get(parameters.get(0)), 1e-8, "learning rate of a trained parameter (a float): "
                + rates);
        for (String s : state) {
            assertFalse(names.contains(s), s + " is state, not a parameter: " + names);
            assertFalse(hasValue(parameterMeans, s), s + " has no parameter statistics: " + parameterMeans);
            assertFalse(hasValue(updateMeans, s), s + " has no update statistics: " + updateMeans);
            assertFalse(hasValue(last.getMeanMagnitudes(StatsType.Gradients), s), s + " has no gradient statistic");
            assertFalse(last.getHistograms(StatsType.Parameters).containsKey(s), s + " has no histogram");
            assertFalse(rates.get(s) > 0, s + " is never trained (NoOp updater): learning rate " + rates.get(s));
        }
        return session;
    }
}
