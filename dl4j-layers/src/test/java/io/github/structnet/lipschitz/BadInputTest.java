package io.github.structnet.lipschitz;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad input gives exceptions that name the layer, the value and what is allowed. */
class BadInputTest {

    private static void assertMessage(Class<? extends Throwable> type, Executable call, String... parts) {
        Throwable t = assertThrows(type, call);
        Throwable root = t;
        StringBuilder all = new StringBuilder();
        while (root != null) {
            all.append(root.getMessage()).append(" | ");
            root = root.getCause();
        }
        for (String part : parts) {
            assertTrue(all.toString().contains(part), "message '" + all + "' lacks '" + part + "'");
        }
    }

    @Test
    void invalidBuilderValues() {
        assertMessage(IllegalArgumentException.class, () -> new GradientFlowDense.Builder().nHidden(0).build(),
                "GradientFlowDense", "nHidden", "0");
        assertMessage(IllegalArgumentException.class, () -> new GradientFlowDense.Builder().nIn(-3),
                "GradientFlowDense", "nIn", "-3");
        assertMessage(IllegalArgumentException.class,
                () -> new GradientFlowDense.Builder().name("blk").nHidden(4).safetyFraction(1.5).build(),
                "GradientFlowDense 'blk'", "safetyFraction", "(0, 1]", "1.5");
        assertMessage(IllegalArgumentException.class,
                () -> new GradientFlowDense.Builder().nHidden(4).safetyFraction(0).build(), "safetyFraction", "(0, 1]");
        assertMessage(IllegalArgumentException.class,
                () -> new GradientFlowDense.Builder().nHidden(4).safetyFraction(Double.NaN).build(), "safetyFraction",
                        "NaN");
        assertMessage(IllegalArgumentException.class,
                () -> new GradientFlowDense.Builder().nHidden(4).activation(Activation.SELU).build(),
                "SELU", "monotone 1-Lipschitz", "RELU");
        assertMessage(IllegalArgumentException.class,
                () -> new GradientFlowDense.Builder().nHidden(4).activation(Activation.SWISH).build(), "SWISH");
        assertMessage(IllegalArgumentException.class,
                () -> new GradientFlowDense.Builder().nHidden(4).powerIterations(-1).build(), "powerIterations", "-1");
        assertMessage(IllegalArgumentException.class, () -> new SpectralDense.Builder().nOut(-2).build(),
                "SpectralDense", "nOut", "-2");
        assertMessage(IllegalArgumentException.class,
                () -> new SpectralDense.Builder().nOut(2).initPowerIterations(0).build(), "initPowerIterations", "0");
    }

    private static MultiLayerNetwork net(double learningRate) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .updater(new Sgd(learningRate)).list()
                .layer(new GradientFlowDense.Builder().name("flow").nIn(4).nHidden(3).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(4).nOut(1)
                        .activation(Activation.IDENTITY).build())
                .build();
        MultiLayerNetwork n = new MultiLayerNetwork(conf);
        n.init();
        return n;
    }

    @Test
    void mismatchedNIn() {
        MultiLayerNetwork n = net(0.1);
        assertMessage(RuntimeException.class, () -> n.output(Nd4j.rand(DataType.DOUBLE, 2, 5)),
                "GradientFlowDense 'flow'", "[minibatch, 4]", "[2, 5]");
    }

    @Test
    void nanInput() {
        MultiLayerNetwork n = net(0.1);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 2, 4);
        x.putScalar(1, 1, Double.NaN);
        assertMessage(RuntimeException.class, () -> n.output(x), "GradientFlowDense 'flow'", "NaN", "finite");
    }

    @Test
    void nanReachingThePowerIterationState() {
        MultiLayerNetwork n = net(0.1);
        INDArray w = n.getLayer(0).getParam(GradientFlowDense.WEIGHT_KEY);
        w.putScalar(0, 0, Double.NaN);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 2, 4);
        INDArray y = Nd4j.rand(DataType.DOUBLE, 2, 1);
        assertMessage(RuntimeException.class, () -> n.fit(x, y), "GradientFlowDense 'flow'", "power-iteration", "NaN");
        assertMessage(RuntimeException.class, () -> n.output(x), "GradientFlowDense 'flow'", "NaN");
    }

    @Test
    void missingNInWithoutInputType() {
        assertMessage(RuntimeException.class, () -> {
            MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().list()
                    .layer(new SpectralDense.Builder().name("lift").nOut(3).build()).build();
            new MultiLayerNetwork(conf).init();
        }, "SpectralDense 'lift'", "nIn");
    }
}
