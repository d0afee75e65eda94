package com.example.consumer;

import io.github.structnet.certify.NetworkLipschitz;
import io.github.structnet.lipschitz.GradientFlowConv2D;
import io.github.structnet.lipschitz.LipschitzBounded;
import io.github.structnet.summary.NetworkSummary;
import io.github.structnet.updater.InPlaceUpdate;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.util.Arrays;

/**
 * What README's "Use it in your project" shows, as a user's own project would do it: a standard DL4J
 * {@link ComputationGraph} with two {@link GradientFlowConv2D} blocks added between ordinary layers, trained, saved and
 * reloaded bitwise, certified, summarised, and refusing an input of the wrong size by name. Exits non-zero on any
 * failed check.
 */
public final class ConsumerApp {

    private ConsumerApp() {
    }

    public static void main(String[] args) throws Exception {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(42).updater(new Adam(1e-3))
                .graphBuilder()
                .addInputs("image")
                .setInputTypes(InputType.convolutional(16, 16, 3))
                .addLayer("stem", new ConvolutionLayer.Builder(3, 3).nOut(8).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).build(), "image")
                .addLayer("flow1", new GradientFlowConv2D.Builder().hiddenChannels(16).build(), "stem")
                .addLayer("flow2", new GradientFlowConv2D.Builder().hiddenChannels(16).build(), "flow1")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "flow2")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(4)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out")
                .build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        InPlaceUpdate.install(net);

        INDArray x = Nd4j.rand(DataType.FLOAT, 8, 3, 16, 16);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 8, 4);
        for (int i = 0; i < 8; i++) {
            y.putScalar(i, i % 4, 1.0);
        }
        double before = net.score(new org.nd4j.linalg.dataset.DataSet(x, y));
        for (int i = 0; i < 20; i++) {
            net.fit(new INDArray[]{x}, new INDArray[]{y});
        }
        double after = net.score(new org.nd4j.linalg.dataset.DataSet(x, y));
        check(after < before, "training lowers the loss: " + before + " -> " + after);

        File file = File.createTempFile("structnet-consumer", ".zip");
        file.deleteOnExit();
        ModelSerializer.writeModel(net, file, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(file, true);
        INDArray expected = net.outputSingle(x);
        INDArray actual = restored.outputSingle(x);
        check(Arrays.equals(expected.data().asFloat(), actual.data().asFloat()), "outputs bitwise equal after reload");

        for (String name : new String[]{"flow1", "flow2"}) {
            org.deeplearning4j.nn.api.Layer layer = restored.getLayer(name);
            double bound = ((LipschitzBounded) layer.conf().getLayer()).lipschitzBound(layer.paramTable());
            check(bound <= 1.0, name + " is certified 1-Lipschitz: " + bound);
        }
        double whole = NetworkLipschitz.upperBound(restored, "pool", InputType.convolutional(16, 16, 3));
        System.out.printf("Certified Lipschitz bound from the image to the pooled features: %.4f%n", whole);

        System.out.print(NetworkSummary.of(restored));
        check(NetworkSummary.stateParameters(net) == 2L * 8 * 16 * 16, "state counted apart");

        try {
            net.outputSingle(Nd4j.rand(DataType.FLOAT, 2, 3, 20, 20));
            check(false, "an input of another size is refused");
        } catch (RuntimeException e) {
            String message = String.valueOf(e.getMessage()) + " " + String.valueOf(e.getCause());
            check(message.contains("GradientFlowConv2D"), "the refusal names the layer: " + message);
            System.out.println("Refused as expected: " + e.getMessage());
        }
        System.out.println("Consumer project: all checks passed");
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("check failed: " + what);
        }
    }
}
