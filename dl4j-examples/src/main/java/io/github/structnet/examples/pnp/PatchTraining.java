package io.github.structnet.examples.pnp;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.NeuralNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Denoiser training on random patches of clean images with fresh Gaussian noise at every step: inputs
 * patch + σ·n, targets the clean patch.
 */
public final class PatchTraining {

    private PatchTraining() {
    }

    /** A minibatch of {@code batch} random patch×patch crops (clean, as [batch, 1, patch, patch] floats). */
    public static INDArray patches(List<INDArray> images, int batch, int patch, Random rng) {
        INDArray out = Nd4j.create(DataType.FLOAT, batch, 1, patch, patch);
        for (int b = 0; b < batch; b++) {
            INDArray img = images.get(rng.nextInt(images.size()));
            int top = rng.nextInt((int) img.size(2) - patch + 1);
            int left = rng.nextInt((int) img.size(3) - patch + 1);
            INDArray crop = img.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(top, top + patch),
                    NDArrayIndex.interval(left, left + patch));
            if (rng.nextBoolean()) {
                crop = crop.permute(0, 1, 3, 2); // transposed: a cheap augmentation
            }
            out.get(NDArrayIndex.point(b)).assign(crop.reshape(1, patch, patch).castTo(DataType.FLOAT));
        }
        return out;
    }

    /** Trains for a number of steps with a progress bar; returns the wall-clock seconds. */
    public static <N extends NeuralNetwork & Model> double train(N net, List<INDArray> images, int steps, int batch,
            int patch,
                               double sigma, long seed, String task) {
        for (INDArray img : images) {
            if (img.size(2) < patch || img.size(3) < patch) {
                throw new IllegalArgumentException(task + ": every training image must be at least " + patch + "x"
                        + patch + "; got " + img.size(2) + "x" + img.size(3));
            }
        }
        Random rng = new Random(seed);
        Nd4j.getRandom().setSeed(seed);
        long start = System.nanoTime();
        try (ProgressBar bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(steps)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(1000).build()) {
            for (int s = 0; s < steps; s++) {
                INDArray clean = patches(images, batch, patch, rng);
                INDArray noisy = clean.add(Nd4j.randn(DataType.FLOAT, clean.shape()).muli(sigma));
                net.fit(new DataSet(noisy, clean));
                bar.step();
                bar.setExtraMessage(String.format(Locale.ROOT, " loss %.5f", net.score()));
            }
        }
        return (System.nanoTime() - start) / 1e9;
    }
}
