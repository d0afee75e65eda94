package io.github.structnet.lipschitz;

import io.github.structnet.symplectic.SymplecticConv2D;
import io.github.structnet.testutil.Nets;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.io.IOException;
import java.util.Set;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GradientFlowConv2D and SpectralConv2D on NHWC (channels-last) input types: the network must compute the NCHW
 * network's function with the layout permuted, train to the same parameters, pass DL4J's gradient check, survive
 * JSON and ModelSerializer round trips; the layers that only take NCHW must refuse NHWC by name.
 */
class ChannelsLastTest {

    private static final int MB = 3;
    private static final int C = 2;
    private static final int H = 5;
    private static final int W = 6;

    private static MultiLayerNetwork stack(CNN2DFormat format) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).seed(21)
                .updater(new Adam(0.05)).list()
                .layer(new SpectralConv2D.Builder().outChannels(4).build())
                .layer(new GradientFlowConv2D.Builder().hiddenChannels(3).build())
                .layer(new SpectralConv2D.Builder().outChannels(3).stride(2).build())
                .layer(new GradientFlowConv2D.Builder().hiddenChannels(2).activation(Activation.TANH).build())
                .layer(new LossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY).build())
                .setInputType(InputType.convolutional(H, W, C, format)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    private static INDArray toNhwc(INDArray nchw) {
        return nchw.permute(0, 2, 3, 1).dup('c');
    }

    /** Labels for the [MB, 3, 3, 3] output, flattened the way each layout's preprocessor flattens the output. */
    private static INDArray flatLabels(INDArray nchwLabels, CNN2DFormat format) {
        INDArray ordered = format == CNN2DFormat.NHWC ? toNhwc(nchwLabels) : nchwLabels.dup('c');
        return ordered.reshape('c', MB, ordered.length() / MB);
    }

    @Test
    void nhwcNetworkComputesThePermutedNchwNetworkAndTrainsIdentically() {
        MultiLayerNetwork nchw = stack(CNN2DFormat.NCHW);
        MultiLayerNetwork nhwc = stack(CNN2DFormat.NHWC);
        nhwc.setParams(nchw.params());
        INDArray x = Nd4j.randn(DataType.DOUBLE, MB, C, H, W);
        INDArray labels = Nd4j.randn(DataType.DOUBLE, MB, 3, 3, 3);
        for (boolean training : new boolean[]{false, true}) {
            INDArray expected = nchw.feedForwardToLayer(3, x, training).get(4);
            INDArray actual = nhwc.feedForwardToLayer(3, toNhwc(x), training).get(4);
            assertEquals(4, actual.rank());
            assertTrue(toNhwc(expected).equalsWithEps(actual, 1e-12), "training " + training + ": outputs differ");
        }
        for (int i = 0; i < 3; i++) {
            nchw.fit(x, flatLabels(labels, CNN2DFormat.NCHW));
            nhwc.fit(toNhwc(x), flatLabels(labels, CNN2DFormat.NHWC));
            assertEquals(nchw.score(), nhwc.score(), 1e-12, "iteration " + i + ": loss");
        }
        assertTrue(nchw.params().equalsWithEps(nhwc.params(), 1e-10), "parameters and state after training");
    }

    @Test
    void nhwcStackPassesGradientCheck() {
        Nd4j.getRandom().setSeed(3);
        MultiLayerConfiguration conf = Nets.gradientCheckBase().list()
                .layer(new SpectralConv2D.Builder().outChannels(3).build())
                .layer(new GradientFlowConv2D.Builder().hiddenChannels(4).activation(Activation.SOFTPLUS).build())
                .layer(new SpectralConv2D.Builder().outChannels(2).stride(2).hasBias(false).build())
                .layer(new GradientFlowConv2D.Builder().hiddenChannels(3).build())
                .layer(Nets.mseOutput(2))
                .setInputType(InputType.convolutional(H, W, C, CNN2DFormat.NHWC)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        INDArray in = Nd4j.rand(DataType.DOUBLE, 2, H, W, C);
        INDArray labels = Nd4j.rand(DataType.DOUBLE, 2, 2);
        assertTrue(Nets.gradientsMatch(net, in, labels, Set.of("0_v", "1_v", "2_v", "3_v")));
    }

    @Test
    void nhwcSurvivesJsonAndModelSerializerRoundTrips(@TempDir File dir) throws IOException {
        MultiLayerNetwork net = stack(CNN2DFormat.NHWC);
        INDArray x = Nd4j.randn(DataType.DOUBLE, MB, H, W, C);
        net.fit(x, flatLabels(Nd4j.randn(DataType.DOUBLE, MB, 3, 3, 3), CNN2DFormat.NHWC));
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(net.getLayerWiseConfigurations().toJson());
        assertEquals(CNN2DFormat.NHWC, ((GradientFlowConv2D) back.getConf(1).getLayer()).getDataFormat());
        File file = new File(dir, "nhwc.zip");
        ModelSerializer.writeModel(net, file, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(file, true);
        assertEquals(net.output(x), restored.output(x));
        assertThrows(IllegalArgumentException.class, () -> restored.output(Nd4j.randn(DataType.DOUBLE, MB, C, H, W)),
                "an NCHW array given to the NHWC network");
    }

    @Test
    void layersThatTakeOnlyNchwRefuseNhwcByName() {
        InputType nhwc = InputType.convolutional(4, 4, 2, CNN2DFormat.NHWC);
        for (Supplier<Layer> layer : java.util.List.<Supplier<Layer>>of(
                () -> new SymplecticConv2D.Builder().hiddenChannels(2).name("shear").build(),
                () -> new ChannelEmbedding.Builder().outputChannels(4).name("lift").build())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                    new NeuralNetConfiguration.Builder().list().layer(layer.get()).setInputType(nhwc).build());
            String name = layer.get().getLayerName();
            assertTrue(e.getMessage().contains(name) && e.getMessage().contains("NHWC"), e.getMessage());
        }
    }

    @Test
    void scaledAveragePoolingGivesTheSameInBothLayouts() {
        for (boolean global : new boolean[]{false, true}) {
            MultiLayerNetwork nchw = Nets.stack(InputType.convolutional(4, 6, 3), 1,
                    new ScaledAveragePooling2D.Builder().kernelSize(2).global(global).build());
            MultiLayerNetwork nhwc = Nets.stack(InputType.convolutional(4, 6, 3, CNN2DFormat.NHWC), 1,
                    new ScaledAveragePooling2D.Builder().kernelSize(2).global(global).build());
            INDArray x = Nd4j.randn(DataType.DOUBLE, 2, 3, 4, 6);
            INDArray expected = nchw.output(x);
            INDArray actual = nhwc.output(x.permute(0, 2, 3, 1).dup());
            assertTrue((global ? expected : expected.permute(0, 2, 3, 1)).equalsWithEps(actual, 1e-12),
                    "global = " + global);
        }
    }
}
