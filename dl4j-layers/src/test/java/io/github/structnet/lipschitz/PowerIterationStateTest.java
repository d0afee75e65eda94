package io.github.structnet.lipschitz;

import io.github.structnet.spectral.LinearOperator;
import io.github.structnet.spectral.PowerIteration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gradient-flow layers' power-iteration state while training: with the weights held fixed (SGD with learning
 * rate 0), k training iterations must leave exactly the vector of k·{@code powerIterations} plain power steps (one
 * update per iteration, none skipped or repeated), and inference must never move it.
 */
class PowerIterationStateTest {

    @Test
    void denseStateTakesPowerIterationsStepsPerTrainingIteration() {
        assertPlainPowerSteps(new GradientFlowDense.Builder().nHidden(7).powerIterations(2).build(), 2,
                InputType.feedForward(5), new long[]{6, 5}, LinearOperator::ofMatrix, "0_W");
    }

    @Test
    void convolutionStateTakesPowerIterationsStepsPerTrainingIteration() {
        assertPlainPowerSteps(new GradientFlowConv2D.Builder().hiddenChannels(3).powerIterations(1).build(), 1,
                InputType.convolutional(5, 4, 2), new long[]{3, 2, 5, 4}, k -> LinearOperator.ofConvolution(k, 1, 5, 4),
                        "0_K");
    }

    private static void assertPlainPowerSteps(Layer layer, int steps, InputType inputType, long[] inputShape,
                                              Function<INDArray, LinearOperator> operator, String weightKey) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).seed(8)
                .updater(new Sgd(0.0)).list()
                .layer(layer)
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(2).activation(Activation.IDENTITY)
                        .build())
                .setInputType(inputType).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        INDArray weights = net.getParam(weightKey).dup();
        INDArray expected = net.getParam("0_v").dup();
        INDArray x = Nd4j.randn(DataType.DOUBLE, inputShape);
        INDArray y = Nd4j.randn(DataType.DOUBLE, inputShape[0], 2);
        for (int i = 0; i < 3; i++) {
            net.fit(x, y);
            net.output(x);
            PowerIteration.advance(operator.apply(weights), expected, steps);
            assertTrue(expected.equalsWithEps(net.getParam("0_v"), 1e-12),
                    "iteration " + i + ": v = (AᵀA)^" + steps + " v / ‖·‖");
        }
        assertEquals(weights, net.getParam(weightKey), "learning rate 0 kept the weights");
    }
}
