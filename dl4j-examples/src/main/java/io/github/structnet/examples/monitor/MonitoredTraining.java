package io.github.structnet.examples.monitor;

import io.github.structnet.examples.certified.CertifiedMnist;
import io.github.structnet.examples.certified.CertifiedMnistModels;
import io.github.structnet.examples.data.MnistData;
import io.github.structnet.monitor.Measurement;
import io.github.structnet.monitor.Quantity;
import io.github.structnet.monitor.RunChart;
import io.github.structnet.monitor.StructureMonitor;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.ui.VertxUIServer;
import org.deeplearning4j.ui.api.UIServer;
import org.deeplearning4j.ui.model.stats.StatsListener;
import org.deeplearning4j.ui.model.storage.FileStatsStorage;
import org.nd4j.linalg.dataset.DataSet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Trains the certified MNIST classifier with DL4J's {@code StatsListener} and StructNet's {@link StructureMonitor} in
 * one session of a {@code FileStatsStorage}: DL4J's UI shows scores, parameters and updates; the monitor records
 * each layer's power-iteration estimate, the certified bound, the gradient-flow step sizes and, per epoch, clean and
 * certified accuracy — into the same file, a CSV and a PNG chart. With {@code --serve S} the UI serves the run on
 * http://localhost:9000/train for S seconds afterwards.
 * <p>Usage: {@code MonitoredTraining [--quick] [--data DIR] [--out DIR] [--serve SECONDS] [--port N]}.
 * {@code --quick}: 600 training images, 2 epochs (CI); default: 12,000 images, 4 epochs (a few minutes).
 */
public final class MonitoredTraining {

    private static final String SESSION = "structnet-mnist";

    private MonitoredTraining() {
    }

    public static void main(String[] args) throws Exception {
        String usage = "MonitoredTraining [--quick] [--data DIR] [--out DIR] [--serve SECONDS] [--port N]";
        boolean quick = false;
        Path data = null;
        Path out = Path.of("monitored-training");
        int serveSeconds = 0;
        int port = 9000;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--data" -> data = Path.of(value(args, ++i, usage));
                case "--out" -> out = Path.of(value(args, ++i, usage));
                case "--serve" -> serveSeconds = Integer.parseInt(value(args, ++i, usage));
                case "--port" -> port = Integer.parseInt(value(args, ++i, usage));
                default -> throw new IllegalArgumentException("unknown argument '" + args[i] + "'; usage: " + usage);
            }
        }
        int trainSize = quick ? 600 : 12_000;
        int epochs = quick ? 2 : 4;
        int batch = 32;
        DataSet train = MnistData.load(MnistData.Kind.MNIST, true, data, trainSize);
        DataSet test = MnistData.load(MnistData.Kind.MNIST, false, data, quick ? 200 : 2000);
        int iterations = epochs * ((trainSize + batch - 1) / batch);
        MultiLayerNetwork net = CertifiedMnistModels.lipschitz(16, 1, 1.0, 3e-3, iterations, 42);
        int logits = CertifiedMnistModels.logitsLayer(net);

        Files.createDirectories(out);
        Path statsFile = out.resolve("training-stats.dl4j");
        Files.deleteIfExists(statsFile);
        FileStatsStorage storage = new FileStatsStorage(statsFile.toFile());
        StatsListener stats = new StatsListener(storage, 10);
        stats.setSessionID(SESSION);
        Path csv = out.resolve("structure.csv");
        Files.deleteIfExists(csv);
        StructureMonitor monitor = StructureMonitor.builder().every(10).certifyEvery(quick ? 20 : 100)
                .outputLayer(logits).inputTypes(CertifiedMnistModels.INPUT)
                .evaluation(test, CertifiedMnist.EPSILONS).csv(csv).storage(storage, SESSION).build();

        try (ProgressBar bar = new ProgressBarBuilder().setTaskName("monitored training").setInitialMax(iterations)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(1000).build()) {
            net.setListeners(stats, monitor, new Progress(bar));
            for (int e = 0; e < epochs; e++) {
                DataSet shuffled = train.copy();
                shuffled.shuffle(42 + e);
                net.fit(new ListDataSetIterator<>(shuffled.asList(), batch));
            }
        }
        List<Measurement> measured = monitor.measurements();
        Path png = out.resolve("structure.png");
        RunChart.write(measured, png);
        System.out.println(summary(measured));
        System.out.println("Wrote " + statsFile + " (DL4J stats and StructNet records, session " + SESSION + "), " + csv
                + " and " + png);

        if (serveSeconds > 0) {
            UIServer ui = VertxUIServer.getInstance(port, false, null);
            ui.attach(storage);
            System.out.println("DL4J training UI: http://localhost:" + ui.getPort() + "/train/overview for "
                    + serveSeconds + " s");
            Thread.sleep(serveSeconds * 1000L);
            ui.stop();
        }
        storage.close();
    }

    /** One line per epoch: the certified bound and the clean and certified accuracy at its end. */
    static String summary(List<Measurement> measured) {
        StringBuilder sb = new StringBuilder("| epoch | iteration | bound | clean |");
        for (double eps : CertifiedMnist.EPSILONS) {
            sb.append(" cert@").append(eps).append(" |");
        }
        sb.append('\n');
        for (Measurement clean : measured) {
            if (clean.quantity() != Quantity.CLEAN_ACCURACY) {
                continue;
            }
            double bound = measured.stream().filter(m -> m.quantity() == Quantity.NETWORK_BOUND
                    && m.iteration() == clean.iteration()).mapToDouble(Measurement::value).findFirst()
                    .orElse(Double.NaN);
            sb.append(String.format(Locale.ROOT, "| %d | %d | %.4f | %.1f %% |", clean.epoch(), clean.iteration(),
                    bound, 100 * clean.value()));
            for (double eps : CertifiedMnist.EPSILONS) {
                double acc = measured.stream().filter(m -> m.quantity() == Quantity.CERTIFIED_ACCURACY
                        && m.iteration() == clean.iteration() && m.source().equals(Measurement.radius(eps)))
                        .mapToDouble(Measurement::value).findFirst().orElse(Double.NaN);
                sb.append(String.format(Locale.ROOT, " %.1f %% |", 100 * acc));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private static String value(String[] args, int i, String usage) {
        if (i >= args.length) {
            throw new IllegalArgumentException(args[i - 1] + " needs a value; usage: " + usage);
        }
        return args[i];
    }

    /** One progress tick per iteration, with the score. */
    private static final class Progress extends BaseTrainingListener {
        private final ProgressBar bar;

        Progress(ProgressBar bar) {
            this.bar = bar;
        }

        @Override
        public void iterationDone(Model model, int iteration, int epoch) {
            bar.step();
            bar.setExtraMessage(String.format(Locale.ROOT, " epoch %d loss %.4f", epoch + 1, model.score()));
        }
    }
}
