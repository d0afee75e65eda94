package io.github.structnet.examples.common;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;

import java.util.List;
import java.util.Locale;

/** Minibatch training loops with a progress bar on the console (one tick per minibatch). */
public final class Training {

    private Training() {
    }

    /** Trains for a number of epochs over shuffled minibatches, showing progress, the epoch and the last score. */
    public static void fit(MultiLayerNetwork net, DataSet data, int epochs, int batchSize, long seed, String task) {
        int batchesPerEpoch = (data.numExamples() + batchSize - 1) / batchSize;
        try (ProgressBar bar = new ProgressBarBuilder().setTaskName(task).setInitialMax((long) epochs * batchesPerEpoch)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(1000).build()) {
            for (int e = 0; e < epochs; e++) {
                DataSet copy = data.copy();
                copy.shuffle(seed + e);
                List<DataSet> batches = copy.batchBy(batchSize);
                for (DataSet b : batches) {
                    net.fit(b);
                    bar.step();
                    bar.setExtraMessage(String.format(Locale.ROOT, " epoch %d/%d loss %.4f", e + 1, epochs,
                            net.score()));
                }
            }
        }
    }
}
