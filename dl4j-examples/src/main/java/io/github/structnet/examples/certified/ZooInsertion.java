package io.github.structnet.examples.certified;

import io.github.structnet.lipschitz.GradientFlowConv2D;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.weights.WeightInitRelu;
import org.deeplearning4j.zoo.model.ResNet50;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.List;

/**
 * Inserting a {@link GradientFlowConv2D} block into a DL4J zoo architecture with
 * {@link TransferLearning.GraphBuilder}: ResNet50 (random initialisation), block placed after the stem's max
 * pooling, so that every consumer of the pooled features now reads the gradient-flow block's output.
 * <p>The trick is {@code removeVertexKeepConnections}: the pooling vertex is removed but its outgoing connections are
 * kept; the pooling layer is re-added under a new name, and the block takes the old name.
 */
public final class ZooInsertion {

    /** The ResNet50 vertex after which the block goes. */
    public static final String AFTER = "stem-maxpool1";

    private ZooInsertion() {
    }

    /** ResNet50 for 224×224 RGB images and 10 classes, with a gradient-flow block inserted after {@link #AFTER}. */
    public static ComputationGraph resNet50WithGradientFlowBlock(long seed) {
        ComputationGraph resnet = (ComputationGraph) ResNet50.builder().numClasses(10).seed(seed)
                // He initialisation: the zoo's default (truncated normal, std 0.5) overflows to NaN at inference
                .weightInit(new WeightInitRelu()).build().init();
        InputType pooled = resnet.getConfiguration().getLayerActivationTypes(InputType.convolutional(224, 224, 3))
                .get(AFTER);
        InputType.InputTypeConvolutional c = (InputType.InputTypeConvolutional) pooled;
        Layer pooling = resnet.getLayer(AFTER).conf().getLayer().clone();
        List<String> poolingInputs = resnet.getConfiguration().getVertexInputs().get(AFTER);
        return new TransferLearning.GraphBuilder(resnet)
                .removeVertexKeepConnections(AFTER)
                .addLayer(AFTER + "-pool", pooling, poolingInputs.toArray(new String[0]))
                .addLayer(AFTER, new GradientFlowConv2D.Builder().inputSize(c.getChannels(), c.getHeight(),
                        c.getWidth())
                        .hiddenChannels(c.getChannels()).build(), AFTER + "-pool")
                .build();
    }

    /** Builds the edited ResNet50, runs one image through it and describes the inserted block. */
    public static String demo(long seed) {
        ComputationGraph net = resNet50WithGradientFlowBlock(seed);
        INDArray image = Nd4j.rand(DataType.FLOAT, 1, 3, 224, 224);
        INDArray probabilities = net.outputSingle(image);
        GradientFlowConv2D block = (GradientFlowConv2D) net.getLayer(AFTER).conf().getLayer();
        return String.format(java.util.Locale.ROOT,
                "ResNet50 + GradientFlowConv2D after '%s': %d parameters; block input"
                        + " %dx%dx%d, hidden %d; consumers of the block: %s; output %s (probabilities summing to %.4f)",
                AFTER, net.numParams(), block.getChannels(), block.getHeight(), block.getWidth(),
                        block.getHiddenChannels(),
                consumers(net, AFTER), Arrays.toString(probabilities.shape()), probabilities.sumNumber().doubleValue());
    }

    private static List<String> consumers(ComputationGraph net, String vertex) {
        return net.getConfiguration().getVertexInputs().entrySet().stream()
                .filter(e -> e.getValue().contains(vertex)).map(java.util.Map.Entry::getKey).sorted().toList();
    }
}
