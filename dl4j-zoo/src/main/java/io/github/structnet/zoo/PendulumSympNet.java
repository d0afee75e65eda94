package io.github.structnet.zoo;

import io.github.structnet.symplectic.SympNets;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.zoo.ModelMetaData;
import org.deeplearning4j.zoo.PretrainedType;
import org.deeplearning4j.zoo.ZooType;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The G-SympNet of StructNet's flow-map example: a map of phase-space states [q, p] (rows of [mb, 2]) to the state a
 * time h later,
 * <pre>
 *   Φ = G_{m−1} ∘ … ∘ G_0,  G_i alternating shears  q ← q + h Kᵀ diag(a) σ(Kp + b)  (UP) and
 *                                                  p ← p − h Kᵀ diag(a) σ(Kq + b)  (LOW), σ = tanh,
 * </pre>
 * in double precision, followed by a mean-squared-error loss layer. <b>Guarantee:</b> every shear is symplectic, so
 * Φ is symplectic for any weights: its Jacobian J satisfies Jᵀ𝕁J = 𝕁 at every state (checkable with
 * {@code Symplecticity.defect(net, x)}), and a rollout Φ^k keeps the energy error bounded instead of drifting.
 * <p><b>Pretrained</b> ({@code initPretrained()}; DL4J's {@code PretrainedType} has no entry for physical systems,
 * so the weights are under DL4J's default type, IMAGENET): the pendulum H = p²/2 − cos q at h = 0.1, trained by the
 * flow-map example (standard run: 300 epochs on 2,000 pairs (x, Φ_h(x)) with energies in [−0.95, 0.5], Adam 5e-3,
 * 6 modules of width 24). Its figures are in {@link ZooWeights#PENDULUM_SYMPNET_FIGURES}; docs/zoo-and-import.md
 * gives the command that regenerates it.
 */
public class PendulumSympNet extends StructNetZooModel {

    /** The time step of the pretrained flow map. */
    public static final double STEP = 0.1;

    private final int modules;
    private final int width;
    private final double learningRate;
    private final long seed;

    private PendulumSympNet(Builder b) {
        this.modules = b.modules;
        this.width = b.width;
        this.learningRate = b.learningRate;
        this.seed = b.seed;
    }

    /** A builder with the pretrained model's settings. */
    public static Builder builder() {
        return new Builder();
    }

    /** The configuration: double precision, Adam, feed-forward input of size 2. */
    @Override
    public MultiLayerConfiguration conf() {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .seed(seed).updater(new Adam(learningRate)).list();
        SympNets.gSympNet(modules, width, Activation.TANH).forEach(list::layer);
        return list.layer(new LossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY)
                .build()).setInputType(InputType.feedForward(2)).build();
    }

    @Override
    protected PretrainedWeights weights(PretrainedType type) {
        boolean pretrainedArchitecture = modules == 6 && width == 24;
        return type == PretrainedType.IMAGENET && pretrainedArchitecture ? ZooWeights.PENDULUM_SYMPNET : null;
    }

    @Override
    protected PretrainedType defaultPretrainedType() {
        return PretrainedType.IMAGENET;
    }

    @Override
    public String modelName() {
        return "structnet-pendulum-sympnet";
    }

    /** DL4J's {@code ZooType} has no feed-forward entry; a flow map is applied recurrently, state to state. */
    @Override
    public ModelMetaData metaData() {
        return new ModelMetaData(new int[][]{{2}}, 1, ZooType.RNN);
    }

    /** Only states of one degree of freedom, {{2}} = [q, p]. */
    @Override
    public void setInputShape(int[][] inputShape) {
        requireInputShape(inputShape, new int[]{2}, "only {{2}} (a state [q, p]) is");
    }

    /** Builder; the defaults are the pretrained model's settings. */
    public static final class Builder {
        private static final String NAME = "PendulumSympNet";
        private int modules = 6;
        private int width = 24;
        private double learningRate = 5e-3;
        private long seed = 7;

        private Builder() {
        }

        /** Gradient modules (shears), ≥ 1; pretrained: 6. */
        public Builder modules(int modules) {
            this.modules = BuilderChecks.positive(NAME, "modules", modules);
            return this;
        }

        /** Hidden width of each module, ≥ 1; pretrained: 24. */
        public Builder width(int width) {
            this.width = BuilderChecks.positive(NAME, "width", width);
            return this;
        }

        /** Adam's learning rate, &gt; 0. */
        public Builder learningRate(double learningRate) {
            this.learningRate = BuilderChecks.positive(NAME, "learningRate", learningRate);
            return this;
        }

        /** The random seed of the initial weights. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public PendulumSympNet build() {
            return new PendulumSympNet(this);
        }
    }
}
