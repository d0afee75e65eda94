package io.github.structnet.zoo;

import io.github.structnet.lipschitz.ChannelEmbedding;
import io.github.structnet.lipschitz.GradientFlowConv2D;
import io.github.structnet.lipschitz.InputSizes;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.zoo.ModelMetaData;
import org.deeplearning4j.zoo.PretrainedType;
import org.deeplearning4j.zoo.ZooType;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

import java.io.IOException;

/**
 * The 1-Lipschitz grey-image denoiser of StructNet's Plug-and-Play example, fully convolutional (3×3 kernels,
 * "same" padding):
 * <pre>
 *   Γ = P ∘ N_θ ∘ L:  L lifts 1 → width channels by zero padding (an isometry),
 *                     N_θ = {@code blocks} GradientFlowConv2D steps x − τ Kᵀ ReLU(Kx + b), τ &lt; 2/‖K‖²,
 *                     P keeps the first channel (norm 1)
 * </pre>
 * followed by a mean-squared-error {@code CnnLossLayer} against the clean image. <b>Guarantee:</b> each step is
 * averaged (1-Lipschitz), so Γ is 1-Lipschitz in the L2 norm for the weights it runs with, on every input size;
 * {@code NetworkLipschitz.upperBound(net, net.getnLayers() - 2)} computes the bound from the weights. This is what
 * makes Plug-and-Play with Γ a convergent fixed-point iteration.
 * <p>The configuration is for {@code patch}×{@code patch} inputs (the training patches); for another image size
 * rebuild the trained network with {@link #atSize(MultiLayerNetwork, long, long)} (same weights, each layer's bound
 * recomputed for the new size).
 * <p><b>Pretrained</b> ({@code initPretrained()}; DL4J's {@code PretrainedType} has no entry for denoisers, so
 * the weights are under DL4J's default type, IMAGENET): trained by the Plug-and-Play example (standard run: 1,500
 * Adam steps of 32 patches 40×40 of the scikit-image samples downscaled 2×, Gaussian noise σ = 25/255; width 32,
 * 8 blocks of 32 hidden channels). Its figures on the held-out camera and coins crops are in
 * {@link ZooWeights#LIPSCHITZ_DENOISER_FIGURES}; docs/zoo-and-import.md gives the command that regenerates it.
 */
public class LipschitzDenoiser extends StructNetZooModel {

    private final int width;
    private final int hidden;
    private final int blocks;
    private final int patch;
    private final double learningRate;
    private final int steps;
    private final long seed;

    private LipschitzDenoiser(Builder b) {
        this.width = b.width;
        this.hidden = b.hidden;
        this.blocks = b.blocks;
        this.patch = b.patch;
        this.learningRate = b.learningRate;
        this.steps = b.steps;
        this.seed = b.seed;
    }

    /** A builder with the pretrained model's settings. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The configuration: float, Adam with the learning rate decaying exponentially to a tenth over the steps, input
     * {@code patch}×{@code patch}×1.
     */
    @Override
    public MultiLayerConfiguration conf() {
        double decay = Math.pow(0.1, 1.0 / steps);
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().seed(seed)
                .dataType(DataType.FLOAT)
                .updater(new Adam(new ExponentialSchedule(ScheduleType.ITERATION, learningRate, decay)))
                .list().layer(ChannelEmbedding.lift(width));
        for (int b = 0; b < blocks; b++) {
            list.layer(new GradientFlowConv2D.Builder().name("block" + b).hiddenChannels(hidden).build());
        }
        return list.layer(ChannelEmbedding.projection(1))
                .layer(new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY).build())
                .setInputType(InputType.convolutional(patch, patch, 1)).build();
    }

    /** The index of the last layer of Γ (the projection), the layer before the loss layer. */
    public int denoiserOutputLayer() {
        return blocks + 1;
    }

    /**
     * A trained denoiser rebuilt for height×width images: same weights, configuration re-inferred for the size
     * (each layer's certified bound is recomputed for it).
     */
    public static MultiLayerNetwork atSize(MultiLayerNetwork trained, long height, long width) {
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("LipschitzDenoiser.atSize: height and width must be >= 1; got "
                    + height + "x" + width);
        }
        return InputSizes.resize(trained, InputType.convolutional(height, width, 1));
    }

    /** The pretrained denoiser rebuilt for height×width images (see {@link #atSize}). */
    public MultiLayerNetwork initPretrained(long height, long width) throws IOException {
        return atSize((MultiLayerNetwork) initPretrained(), height, width);
    }

    @Override
    protected PretrainedWeights weights(PretrainedType type) {
        boolean pretrainedArchitecture = width == 32 && hidden == 32 && blocks == 8 && patch == 40;
        return type == PretrainedType.IMAGENET && pretrainedArchitecture ? ZooWeights.LIPSCHITZ_DENOISER : null;
    }

    @Override
    protected PretrainedType defaultPretrainedType() {
        return PretrainedType.IMAGENET;
    }

    @Override
    public String modelName() {
        return "structnet-lipschitz-denoiser";
    }

    @Override
    public ModelMetaData metaData() {
        return new ModelMetaData(new int[][]{{1, patch, patch}}, 1, ZooType.CNN);
    }

    /**
     * Only one grey channel; the configured size is the patch size ({@link Builder#patch}), other sizes come from
     * {@link #atSize} on a built or trained network.
     */
    @Override
    public void setInputShape(int[][] inputShape) {
        requireInputShape(inputShape, new int[]{1, patch, patch}, "the configuration is {{1, " + patch + ", " + patch
                + "}} (set the size with builder().patch(n), or rebuild a network for any H×W with"
                + " LipschitzDenoiser.atSize)");
    }

    /** Builder; the defaults are the pretrained model's settings. */
    public static final class Builder {
        private static final String NAME = "LipschitzDenoiser";
        private int width = 32;
        private int hidden = 32;
        private int blocks = 8;
        private int patch = 40;
        private double learningRate = 3e-3;
        private int steps = 1500;
        private long seed = 7;

        private Builder() {
        }

        /** Channels the grey image is lifted to, ≥ 1; pretrained: 32. */
        public Builder width(int width) {
            this.width = BuilderChecks.positive(NAME, "width", width);
            return this;
        }

        /** Hidden channels of each gradient-flow block, ≥ 1; pretrained: 32. */
        public Builder hidden(int hidden) {
            this.hidden = BuilderChecks.positive(NAME, "hidden", hidden);
            return this;
        }

        /** Gradient-flow blocks, ≥ 1; pretrained: 8. */
        public Builder blocks(int blocks) {
            this.blocks = BuilderChecks.positive(NAME, "blocks", blocks);
            return this;
        }

        /** The side of the square training patches the configuration is built for, ≥ 1; pretrained: 40. */
        public Builder patch(int patch) {
            this.patch = BuilderChecks.positive(NAME, "patch", patch);
            return this;
        }

        /** Adam's initial learning rate, &gt; 0, and the steps over which it decays to a tenth. */
        public Builder learningRate(double learningRate, int steps) {
            this.learningRate = BuilderChecks.positive(NAME, "learningRate", learningRate);
            this.steps = BuilderChecks.positive(NAME, "steps", steps);
            return this;
        }

        /** The random seed of the initial weights. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public LipschitzDenoiser build() {
            return new LipschitzDenoiser(this);
        }
    }
}
