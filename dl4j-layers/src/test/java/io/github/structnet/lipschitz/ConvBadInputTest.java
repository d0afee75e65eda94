package io.github.structnet.lipschitz;

import io.github.structnet.testutil.Nets;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Clear errors from the convolutional Lipschitz layers: they name the layer, the value and what is allowed. */
class ConvBadInputTest {

    private static void assertMessage(Class<? extends Throwable> type, Executable call, String... parts) {
        Throwable t = assertThrows(type, call);
        StringBuilder all = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            all.append(c.getMessage()).append(" | ");
        }
        for (String part : parts) {
            assertTrue(all.toString().contains(part), "message '" + all + "' lacks '" + part + "'");
        }
    }

    @Test
    void invalidBuilderValues() {
        assertMessage(IllegalArgumentException.class,
                () -> new GradientFlowConv2D.Builder().name("g").hiddenChannels(4).kernelSize(4).build(),
                "GradientFlowConv2D 'g'", "kernelSize must be odd", "4");
        assertMessage(IllegalArgumentException.class,
                () -> new SpectralConv2D.Builder().name("s").outChannels(4).stride(3).build(),
                "SpectralConv2D 's'", "stride 3 cannot be certified", "1 and 2");
        assertMessage(IllegalArgumentException.class, () -> new GradientFlowConv2D.Builder().hiddenChannels(0).build(),
                "GradientFlowConv2D", "hiddenChannels must be positive");
        assertMessage(IllegalArgumentException.class,
                () -> new GradientFlowConv2D.Builder().hiddenChannels(2).safetyFraction(1.5).build(),
                "safetyFraction must be in (0, 1]", "1.5");
        assertMessage(IllegalArgumentException.class,
                () -> new GradientFlowConv2D.Builder().hiddenChannels(2).activation(
                        org.nd4j.linalg.activations.Activation.SELU).build(), "SELU", "not allowed");
    }

    @Test
    void inputOfAnotherSizeThanTheCertifiedOneIsRefused() {
        MultiLayerNetwork net = Nets.stack(InputType.convolutional(6, 6, 2), 1,
                new GradientFlowConv2D.Builder().name("flow").hiddenChannels(3).build());
        assertMessage(RuntimeException.class, () -> net.output(Nd4j.rand(DataType.DOUBLE, 2, 2, 7, 6)),
                "GradientFlowConv2D 'flow'", "[minibatch, 2, 6, 6]", "computed for 6x6", "[2, 2, 7, 6]");
        assertMessage(RuntimeException.class, () -> net.output(Nd4j.rand(DataType.DOUBLE, 2, 3, 6, 6)),
                "GradientFlowConv2D 'flow'", "[2, 3, 6, 6]");
    }

    @Test
    void nanInputIsRefused() {
        MultiLayerNetwork net = Nets.stack(InputType.convolutional(4, 4, 1), 1,
                new SpectralConv2D.Builder().name("lift").outChannels(2).build());
        INDArray x = Nd4j.rand(DataType.DOUBLE, 1, 1, 4, 4);
        x.putScalar(0, 0, 2, 2, Double.NaN);
        assertMessage(RuntimeException.class, () -> net.output(x), "SpectralConv2D 'lift'", "NaN", "finite");
    }

    @Test
    void nonConvolutionalInputTypeIsRefused() {
        assertMessage(RuntimeException.class, () -> Nets.stack(InputType.feedForward(8), 1,
                new GradientFlowConv2D.Builder().name("flow").hiddenChannels(3).build()),
                "GradientFlowConv2D 'flow'", "convolutional input type");
    }
}
