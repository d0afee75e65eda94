package io.github.structnet.examples.certified;

import io.github.structnet.zoo.CertifiedMnistClassifier;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The two classifiers of the certified MNIST example (the 1-Lipschitz one is the zoo's
 * {@link CertifiedMnistClassifier}, whose pretrained weights this example produces), for 28×28 grey images given
 * flat ([mb, 784]).
 * Both end with the logits layer followed by a softmax {@link LossLayer}, so the logits are the output of layer
 * {@code net.getnLayers() - 2}.
 */
public final class CertifiedMnistModels {

    /** The input type of both models. */
    public static final InputType INPUT = CertifiedMnistClassifier.INPUT;

    private CertifiedMnistModels() {
    }

    /**
     * A 1-Lipschitz gradient-flow CNN built from norm-preserving pieces: space-to-depth 1×28×28 → 4×14×14,
     * gradient-flow conv blocks, space-to-depth → 16×7×7, blocks, flatten (an isometry), a gradient-flow dense
     * block and a SpectralDense to the 10 logits; trained with a temperature cross-entropy. Only the last layer
     * can shrink distances, so margins are not wasted.
     *
     * @param hidden     hidden channels of the first stage's blocks (twice as many in the second)
     * @param blocks     gradient-flow conv blocks per stage
     * @param iterations the number of training iterations: Adam's learning rate decays exponentially from
     *                   {@code learningRate} to 1 % of it over them
     */
    public static MultiLayerNetwork lipschitz(int hidden, int blocks, double temperature, double learningRate,
                                              int iterations, long seed) {
        return CertifiedMnistClassifier.builder().hidden(hidden).blocks(blocks).temperature(temperature)
                .learningRate(learningRate, iterations).seed(seed).build().init();
    }

    /** An unconstrained CNN of similar size: two conv + max-pool stages (c and 2c channels), a dense layer of 256. */
    public static MultiLayerNetwork unconstrained(int c, double learningRate, long seed) {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().seed(seed)
                .updater(new Adam(learningRate)).list()
                .layer(new ConvolutionLayer.Builder(3, 3).name("conv0").nOut(c).padding(1, 1)
                        .activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
                        .build())
                .layer(new ConvolutionLayer.Builder(3, 3).name("conv1").nOut(2L * c).padding(1, 1)
                        .activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
                        .build())
                .layer(new DenseLayer.Builder().name("dense").nOut(256).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().name("logits").nOut(10).activation(Activation.IDENTITY).build())
                .layer(new LossLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX).build());
        MultiLayerNetwork net = new MultiLayerNetwork(list.setInputType(INPUT).build());
        net.init();
        return net;
    }

    /** Index of the logits layer (the layer before the loss layer). */
    public static int logitsLayer(MultiLayerNetwork net) {
        return net.getnLayers() - 2;
    }
}
