package io.github.structnet.samediff;

import io.github.structnet.lipschitz.AolConv2D;
import io.github.structnet.lipschitz.AolDense;
import io.github.structnet.lipschitz.BjorckDense;
import io.github.structnet.lipschitz.GradientFlowConv2D;
import io.github.structnet.lipschitz.GradientFlowDense;
import io.github.structnet.lipschitz.NormalizedRowsDense;
import io.github.structnet.lipschitz.SllConv2D;
import io.github.structnet.lipschitz.SllDense;
import io.github.structnet.symplectic.GradientModule;
import io.github.structnet.symplectic.Shear;
import io.github.structnet.symplectic.SymplecticConv2D;
import io.github.structnet.testutil.Nets;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The direct passes write outputs and input gradients into DL4J's workspaces, parameter gradients into the gradient
 * views and temporaries into arrays reused across calls ({@link PassMemory}). Training must not depend on any of
 * that: with workspaces or without, with inference passes between training steps or not, the parameters after
 * training are the same, and an output once returned never changes.
 */
class DirectPassMemoryTest {

    private static MultiLayerNetwork net(WorkspaceMode mode, InputType input, Layer... layers) {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .seed(7).updater(new Adam(1e-2)).trainingWorkspaceMode(mode).inferenceWorkspaceMode(mode).list();
        for (Layer l : layers) {
            list.layer(l);
        }
        MultiLayerNetwork net = new MultiLayerNetwork(list.layer(Nets.mseOutput(3)).setInputType(input).build());
        net.init();
        return net;
    }

    private static void assertTrainingIndependentOfMemory(Supplier<Layer[]> layers, InputType input, long... shape) {
        Nd4j.getRandom().setSeed(11);
        INDArray x = Nd4j.randn(DataType.DOUBLE, shape);
        INDArray y = Nd4j.randn(DataType.DOUBLE, shape[0], 3);
        INDArray other = Nd4j.randn(DataType.DOUBLE, shape);
        MultiLayerNetwork withWorkspaces = net(WorkspaceMode.ENABLED, input, layers.get());
        MultiLayerNetwork without = net(WorkspaceMode.NONE, input, layers.get());
        MultiLayerNetwork interleaved = net(WorkspaceMode.ENABLED, input, layers.get());
        assertEquals(withWorkspaces.params(), without.params(), "same initial parameters");
        for (int i = 0; i < 3; i++) {
            withWorkspaces.fit(x, y);
            without.fit(x, y);
            INDArray first = interleaved.output(other);
            INDArray firstCopy = first.dup();
            interleaved.output(x);
            assertEquals(firstCopy, first, "an output already returned changed when the net ran again");
            interleaved.fit(x, y);
        }
        INDArray expected = withWorkspaces.params();
        assertEquals(0.0, expected.sub(without.params()).amaxNumber().doubleValue(), 1e-12, "workspaces on / off");
        assertEquals(0.0, expected.sub(interleaved.params()).amaxNumber().doubleValue(), 1e-12,
                "inference passes between training steps");
        assertEquals(withWorkspaces.output(other), without.output(other));
    }

    @Test
    void convolutionalDirectPassesTrainTheSameWithAndWithoutWorkspaces() {
        assertTrainingIndependentOfMemory(() -> new Layer[]{
                new GradientFlowConv2D.Builder().hiddenChannels(3).build(),
                new SymplecticConv2D.Builder().hiddenChannels(2).build(),
                new GradientFlowConv2D.Builder().hiddenChannels(2).activation(Activation.SOFTPLUS).build(),
                new SymplecticConv2D.Builder().side(Shear.LOW).hiddenChannels(3).activation(Activation.RELU).build()},
                InputType.convolutional(5, 4, 2), 3, 2, 5, 4);
    }

    @Test
    void denseDirectPassesTrainTheSameWithAndWithoutWorkspaces() {
        assertTrainingIndependentOfMemory(() -> new Layer[]{
                new GradientFlowDense.Builder().nHidden(5).build(),
                new GradientModule.Builder().width(4).build(),
                new GradientFlowDense.Builder().nHidden(3).activation(Activation.TANH).build(),
                new GradientModule.Builder().side(Shear.LOW).width(3).activation(Activation.ELU).build()},
                InputType.feedForward(4), 5, 4);
    }

    @Test
    void certifiedDenseDirectPassesTrainTheSameWithAndWithoutWorkspaces() {
        assertTrainingIndependentOfMemory(() -> new Layer[]{
                new AolDense.Builder().nOut(6).build(),
                new SllDense.Builder().nHidden(5).build(),
                new SllDense.Builder().nHidden(3).activation(Activation.SOFTPLUS).build(),
                new AolDense.Builder().nOut(5).hasBias(false).build(),
                new BjorckDense.Builder().nOut(7).orthogonalisationSteps(3).build(),
                new BjorckDense.Builder().nOut(5).hasBias(false).build(),
                new NormalizedRowsDense.Builder().nOut(4).build()},
                InputType.feedForward(4), 5, 4);
    }

    @Test
    void certifiedConvDirectPassesTrainTheSameWithAndWithoutWorkspaces() {
        assertTrainingIndependentOfMemory(() -> new Layer[]{
                new AolConv2D.Builder().outChannels(3).build(),
                new SllConv2D.Builder().hiddenChannels(4).build(),
                new SllConv2D.Builder().hiddenChannels(2).activation(Activation.SOFTPLUS).build()},
                InputType.convolutional(4, 3, 2), 3, 2, 4, 3);
    }

    /**
     * Scratch arrays live in buffers that only grow and are reused for smaller batches: training on batch sizes 5, 2,
     * 5, 3, 1 is bitwise the training of networks that start every step with fresh memory (a clone per step).
     */
    @Test
    void changingBatchSizesTrainAsWithFreshMemoryEveryStep() {
        Supplier<Layer[]> layers = () -> new Layer[]{
                new GradientFlowConv2D.Builder().hiddenChannels(3).build(),
                new SymplecticConv2D.Builder().hiddenChannels(2).build(),
                new SllConv2D.Builder().hiddenChannels(2).build()};
        InputType input = InputType.convolutional(5, 4, 2);
        MultiLayerNetwork reused = net(WorkspaceMode.ENABLED, input, layers.get());
        MultiLayerNetwork fresh = net(WorkspaceMode.ENABLED, input, layers.get());
        Nd4j.getRandom().setSeed(5);
        for (int batch : new int[]{5, 2, 5, 3, 1}) {
            INDArray x = Nd4j.randn(DataType.DOUBLE, batch, 2, 5, 4);
            INDArray y = Nd4j.randn(DataType.DOUBLE, batch, 3);
            reused.fit(x, y);
            fresh = fresh.clone();
            fresh.fit(x, y);
            assertEquals(fresh.params(), reused.params(), "after a step at batch " + batch);
            assertEquals(fresh.output(x), reused.output(x));
        }
    }

    @Test
    void scratchBuffersGrowAndAreReusedForSmallerShapes() {
        LayerMemory memory = new LayerMemory();
        INDArray large = memory.scratch("z", DataType.FLOAT, 8, 3, 4);
        long address = large.data().address();
        assertSame(large, memory.scratch("z", DataType.FLOAT, 8, 3, 4), "same shape: the same array");
        INDArray small = memory.scratch("z", DataType.FLOAT, 2, 3, 4);
        assertArrayEquals(new long[]{2, 3, 4}, small.shape());
        assertArrayEquals(new long[]{12, 4, 1}, small.stride());
        assertEquals(address, small.data().address(), "a smaller shape reuses the buffer");
        assertTrue(memory.owns(small));
        assertFalse(memory.owns(large), "an array replaced under its name is no longer handed out");
        small.assign(7);
        assertEquals(7.0 * 24, memory.scratch("z", DataType.FLOAT, 24).sumNumber().doubleValue(), 0.0,
                "views over the same first elements");
        INDArray larger = memory.scratch("z", DataType.FLOAT, 9, 3, 4);
        assertArrayEquals(new long[]{9, 3, 4}, larger.shape());
        assertTrue(large.wasClosed() || large.data().address() != larger.data().address(),
                "growing replaces the buffer");
        INDArray other = memory.scratch("w", DataType.DOUBLE, 2, 3);
        assertEquals(DataType.DOUBLE, other.dataType());
        assertEquals(DataType.FLOAT, memory.scratch("z", DataType.FLOAT, 9, 3, 4).dataType());
    }
}
