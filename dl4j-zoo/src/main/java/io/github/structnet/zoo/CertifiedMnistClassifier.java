package io.github.structnet.zoo;

import io.github.structnet.lipschitz.GradientFlowConv2D;
import io.github.structnet.lipschitz.GradientFlowDense;
import io.github.structnet.lipschitz.SpectralDense;
import io.github.structnet.lipschitz.TemperatureCrossEntropy;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.SpaceToDepthLayer;
import org.deeplearning4j.zoo.ModelMetaData;
import org.deeplearning4j.zoo.PretrainedType;
import org.deeplearning4j.zoo.ZooType;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

/**
 * The certified 28×28 grey-image classifier of StructNet's certified-MNIST example, a 1-Lipschitz gradient-flow CNN:
 * <pre>
 *   space-to-depth 1×28×28 → 4×14×14, {@code blocks} × GradientFlowConv2D (hidden channels h),
 *   space-to-depth → 16×7×7, {@code blocks} × GradientFlowConv2D (2h), flatten (an isometry),
 *   GradientFlowDense (512 hidden), SpectralDense → 10 logits, softmax with a temperature cross-entropy
 * </pre>
 * for flat inputs [mb, 784] in [0, 1]. <b>Guarantee:</b> every layer up to the logits (layer {@link #logitsLayer()})
 * is 1-Lipschitz for the weights it runs with, so a margin m between the top two logits certifies the prediction
 * within an L2 radius m / √2; {@code NetworkLipschitz.upperBound(net, logitsLayer(), INPUT)} computes the bound from
 * the loaded weights.
 * <p><b>Pretrained</b> ({@code initPretrained()}, type MNIST): trained by the certified-MNIST example (standard run,
 * 36 epochs, h = 32, 2 blocks per stage, temperature 2, Adam 3e-3 decaying to 1 %); the weights, their figures and
 * the command that regenerates them are in the file's resource and in docs/zoo-and-import.md.
 */
public class CertifiedMnistClassifier extends StructNetZooModel {

    /** The input type: flat 28×28 grey images. */
    public static final InputType INPUT = InputType.convolutionalFlat(28, 28, 1);

    /** The two data sets this classifier has pretrained weights for. */
    public enum Dataset { MNIST, FASHION_MNIST }

    private final Dataset dataset;
    private final int hidden;
    private final int blocks;
    private final double temperature;
    private final double learningRate;
    private final int iterations;
    private final long seed;

    private CertifiedMnistClassifier(Builder b) {
        this.dataset = b.dataset;
        this.hidden = b.hidden;
        this.blocks = b.blocks;
        this.temperature = b.temperature;
        this.learningRate = b.learningRate;
        this.iterations = b.iterations;
        this.seed = b.seed;
    }

    /** A builder with the pretrained model's settings. */
    public static Builder builder() {
        return new Builder();
    }

    /** The configuration (Adam's rate decays exponentially from the learning rate to 1 % of it over the iterations). */
    @Override
    public MultiLayerConfiguration conf() {
        ExponentialSchedule decay = new ExponentialSchedule(ScheduleType.ITERATION, learningRate,
                Math.pow(0.01, 1.0 / Math.max(1, iterations)));
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().seed(seed)
                .updater(new Adam(decay)).list();
        for (int stage = 0; stage < 2; stage++) {
            list.layer(new SpaceToDepthLayer.Builder(2, SpaceToDepthLayer.DataFormat.NCHW).name("down" + stage)
                    .build());
            for (int b = 0; b < blocks; b++) {
                list.layer(new GradientFlowConv2D.Builder().name("flow" + stage + "_" + b)
                        .hiddenChannels((long) hidden << stage).build());
            }
        }
        list.layer(new GradientFlowDense.Builder().name("flowDense").nHidden(512).build())
                .layer(new SpectralDense.Builder().name("logits").nOut(10).build())
                .layer(new LossLayer.Builder(new TemperatureCrossEntropy(temperature)).activation(Activation.SOFTMAX)
                        .build());
        return list.setInputType(INPUT).build();
    }

    /** The index of the logits layer, the layer before the loss layer. */
    public int logitsLayer() {
        return 2 * blocks + 3;
    }

    @Override
    protected PretrainedWeights weights(PretrainedType type) {
        if (type != PretrainedType.MNIST || hidden != 32 || blocks != 2) {
            return null;
        }
        return dataset == Dataset.MNIST ? ZooWeights.CERTIFIED_MNIST : ZooWeights.CERTIFIED_FASHION_MNIST;
    }

    @Override
    protected PretrainedType defaultPretrainedType() {
        return PretrainedType.MNIST;
    }

    @Override
    public String modelName() {
        return dataset == Dataset.MNIST ? "structnet-certified-mnist" : "structnet-certified-fashion-mnist";
    }

    @Override
    public ModelMetaData metaData() {
        return new ModelMetaData(new int[][]{{1, 28, 28}}, 1, ZooType.CNN);
    }

    /** Only 28×28 grey images: the architecture's sizes and the pretrained weights are for them. */
    @Override
    public void setInputShape(int[][] inputShape) {
        requireInputShape(inputShape, new int[]{1, 28, 28}, "only {{1, 28, 28}} is");
    }

    /** Builder; the defaults are the pretrained model's settings. */
    public static final class Builder {
        private static final String NAME = "CertifiedMnistClassifier";
        private Dataset dataset = Dataset.MNIST;
        private int hidden = 32;
        private int blocks = 2;
        private double temperature = 2.0;
        private double learningRate = 3e-3;
        private int iterations = 36 * 469;
        private long seed = 42;

        private Builder() {
        }

        /** Which pretrained weights {@code initPretrained()} loads (MNIST by default). */
        public Builder dataset(Dataset dataset) {
            this.dataset = java.util.Objects.requireNonNull(dataset, "dataset");
            return this;
        }

        /** Hidden channels of the first stage's blocks (twice as many in the second), ≥ 1; pretrained: 32. */
        public Builder hidden(int hidden) {
            this.hidden = BuilderChecks.positive(NAME, "hidden", hidden);
            return this;
        }

        /** Gradient-flow blocks per stage, ≥ 1; pretrained: 2. */
        public Builder blocks(int blocks) {
            this.blocks = BuilderChecks.positive(NAME, "blocks", blocks);
            return this;
        }

        /** The temperature of the cross-entropy, &gt; 0. */
        public Builder temperature(double temperature) {
            this.temperature = BuilderChecks.positive(NAME, "temperature", temperature);
            return this;
        }

        /** Adam's initial learning rate, &gt; 0, and the number of iterations over which it decays to 1 %. */
        public Builder learningRate(double learningRate, int iterations) {
            this.learningRate = BuilderChecks.positive(NAME, "learningRate", learningRate);
            this.iterations = BuilderChecks.positive(NAME, "iterations", iterations);
            return this;
        }

        /** The random seed of the initial weights. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public CertifiedMnistClassifier build() {
            return new CertifiedMnistClassifier(this);
        }
    }
}
