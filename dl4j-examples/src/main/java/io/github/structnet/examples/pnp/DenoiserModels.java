package io.github.structnet.examples.pnp;

import io.github.structnet.zoo.LipschitzDenoiser;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

/**
 * The two denoisers of the Plug-and-Play example, both fully convolutional (3×3 kernels, "same" padding):
 * <ul>
 *   <li>the 1-Lipschitz, averaged denoiser Γ = P ∘ N_θ ∘ L (the zoo's {@link LipschitzDenoiser}): lift 1 → width
 *   channels by zero padding, {@code blocks} GradientFlowConv2D steps x − τ Kᵀ ReLU(Kx + b) with τ &lt; 2/‖K‖²,
 *   projection back to the first channel;</li>
 *   <li>a DnCNN-style residual baseline x − R(x), R = {@code depth} {@link PlainConv2D} convolutions of the same width
 *   with ReLU between them, unconstrained.</li>
 * </ul>
 * Both are trained with the mean squared error against the clean patch and Adam, the learning rate decaying
 * exponentially to a tenth over the training.
 */
public final class DenoiserModels {

    private DenoiserModels() {
    }

    /** Γ = P ∘ N_θ ∘ L on patches of the given size: the zoo's {@link LipschitzDenoiser} architecture. */
    public static MultiLayerNetwork lipschitz(int width, int hidden, int blocks, int patch, double lr, int steps,
                                              long seed) {
        return LipschitzDenoiser.builder().width(width).hidden(hidden).blocks(blocks).patch(patch)
                .learningRate(lr, steps).seed(seed).build().init();
    }

    /** x − R(x), R = depth 3×3 convolutions (width channels, ReLU between, none after the last). */
    public static ComputationGraph dncnn(int width, int depth, double lr, int steps, long seed) {
        ComputationGraphConfiguration.GraphBuilder g = base(lr, steps, seed).graphBuilder().addInputs("noisy");
        String previous = "noisy";
        for (int l = 0; l < depth; l++) {
            boolean last = l == depth - 1;
            String name = "conv" + l;
            g.addLayer(name, new PlainConv2D(last ? 1 : width, 3, last ? Activation.IDENTITY : Activation.RELU),
                    previous);
            previous = name;
        }
        g.addVertex("residual", new ElementWiseVertex(ElementWiseVertex.Op.Subtract), "noisy", previous)
                .addLayer("out", new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE)
                        .activation(Activation.IDENTITY).build(), "residual")
                .setOutputs("out").setInputTypes(InputType.convolutional(32, 32, 1));
        ComputationGraph net = new ComputationGraph(g.build());
        net.init();
        return net;
    }

    private static NeuralNetConfiguration.Builder base(double lr, int steps, long seed) {
        double decay = Math.pow(0.1, 1.0 / Math.max(steps, 1));
        return new NeuralNetConfiguration.Builder().seed(seed).dataType(DataType.FLOAT)
                .updater(new Adam(new ExponentialSchedule(ScheduleType.ITERATION, lr, decay)));
    }
}
