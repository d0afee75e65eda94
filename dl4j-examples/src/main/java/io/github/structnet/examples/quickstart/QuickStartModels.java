package io.github.structnet.examples.quickstart;

import io.github.structnet.updater.InPlaceUpdate;
import io.github.structnet.lipschitz.GradientFlowDense;
import io.github.structnet.lipschitz.SpectralDense;
import io.github.structnet.lipschitz.TemperatureCrossEntropy;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The two classifiers of the quick start, with the same widths and depth. Both end with the logits layer
 * followed by a softmax cross-entropy {@link LossLayer}, so the logits are the output of layer
 * {@code net.getnLayers() - 2}.
 */
public final class QuickStartModels {

    private QuickStartModels() {
    }

    /**
     * π ∘ φ_L ∘ … ∘ φ_1 ∘ Q: SpectralDense lift, L GradientFlowDense blocks, SpectralDense projection, trained
     * with a cross-entropy at the given temperature (1-Lipschitz logits need it to build margins).
     */
    public static MultiLayerNetwork lipschitz(int width, int blocks, int hidden, double temperature,
                                              double learningRate, long seed) {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().seed(seed)
                .updater(new Adam(learningRate)).list()
                .layer(new SpectralDense.Builder().name("lift").nOut(width).build());
        for (int i = 0; i < blocks; i++) {
            list.layer(new GradientFlowDense.Builder().name("flow" + i).nHidden(hidden).build());
        }
        list.layer(new SpectralDense.Builder().name("project").nOut(2).build())
                .layer(new LossLayer.Builder(new TemperatureCrossEntropy(temperature)).activation(Activation.SOFTMAX)
                        .build());
        MultiLayerNetwork net = new MultiLayerNetwork(list.setInputType(InputType.feedForward(2)).build());
        net.init();
        return InPlaceUpdate.install(net);
    }

    /** An unconstrained ReLU MLP with blocks + 1 hidden layers of the same width. */
    public static MultiLayerNetwork unconstrained(int width, int blocks, double learningRate, long seed) {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().seed(seed)
                .updater(new Adam(learningRate)).list();
        for (int i = 0; i <= blocks; i++) {
            list.layer(new DenseLayer.Builder().name("dense" + i).nOut(width).activation(Activation.RELU).build());
        }
        list.layer(new DenseLayer.Builder().name("logits").nOut(2).activation(Activation.IDENTITY).build())
                .layer(new LossLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX).build());
        MultiLayerNetwork net = new MultiLayerNetwork(list.setInputType(InputType.feedForward(2)).build());
        net.init();
        return InPlaceUpdate.install(net);
    }

    /** Index of the logits layer (the layer before the loss layer). */
    public static int logitsLayer(MultiLayerNetwork net) {
        return net.getnLayers() - 2;
    }
}
