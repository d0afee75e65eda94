package io.github.structnet.monitor;

import org.deeplearning4j.core.storage.Persistable;
import org.deeplearning4j.core.storage.StatsStorage;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.ui.VertxUIServer;
import org.deeplearning4j.ui.api.UIServer;
import org.deeplearning4j.ui.model.stats.StatsListener;
import org.deeplearning4j.ui.model.stats.api.StatsReport;
import org.deeplearning4j.ui.model.storage.InMemoryStatsStorage;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DL4J's training UI server (Vert.x, deeplearning4j-ui 1.0.0-M2.1) on Java 17, headless: started on a free port with
 * a storage that a StructNet network's StatsListener filled, it serves the overview page, and the overview data it
 * serves over HTTP carries exactly the scores the network reported; the model graph lists the StructNet layers.
 */
class UiServerTest {

    private static final int ITERATIONS = 5;

    @Test
    void overviewServesTheRecordedScores() throws Exception {
        StatsStorage storage = new InMemoryStatsStorage();
        MultiLayerNetwork net = TinyNets.classifier(21);
        StatsListener stats = new StatsListener(storage, 1);
        TinyNets.Scores scores = new TinyNets.Scores();
        net.setListeners(stats, StructureMonitor.builder().storage(storage, "ui-session").build(), scores);
        stats.setSessionID("ui-session");
        DataSet batch = TinyNets.classes(16, 4);
        for (int i = 0; i < ITERATIONS; i++) {
            net.fit(batch);
        }
        List<Persistable> reports = storage.getAllUpdatesAfter("ui-session", StatsListener.TYPE_ID, Long.MIN_VALUE);
        assertEquals(ITERATIONS, reports.size());

        UIServer ui = VertxUIServer.getInstance(freePort(), false, null);
        try {
            ui.attach(storage);
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            String base = "http://localhost:" + ui.getPort();

            HttpResponse<String> page = get(client, base + "/train/overview");
            assertEquals(200, page.statusCode(), "overview page");
            assertTrue(page.body().contains("<html"), "an HTML page");

            HttpResponse<String> data = get(client, base + "/train/overview/data");
            assertEquals(200, data.statusCode(), "overview data: " + data.body());
            JsonNode json = new ObjectMapper().readTree(data.body());
            JsonNode served = json.get("scores");
            JsonNode iterations = json.get("scoresIter");
            assertEquals(ITERATIONS, served.size(), "scores served: " + served);
            for (int i = 0; i < ITERATIONS; i++) {
                double reported = scores.values.get(i);
                assertEquals(((StatsReport) reports.get(i)).getScore(), reported, 0.0, "stored score " + i);
                assertEquals(reported, served.get(i).asDouble(), 1e-12 * Math.abs(reported), "served score " + i);
                assertEquals(i, iterations.get(i).asInt(), "iteration of score " + i);
            }

            HttpResponse<String> graph = get(client, base + "/train/model/graph");
            assertEquals(200, graph.statusCode(), "model graph");
            assertTrue(graph.body().contains("SpectralDense") && graph.body().contains("GradientFlowDense"),
                    "the model graph names the StructNet layers: " + graph.body());
        } finally {
            ui.stop();
        }
    }

    private static HttpResponse<String> get(HttpClient client, String url) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
