package io.github.structnet.certify;

import io.github.structnet.testutil.LipschitzProbe;
import io.github.structnet.testutil.Nets;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Deconvolution2D;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.Upsampling2D;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bounds of ordinary DL4J layers of any geometry: each is at least the largest ratio found on random and on
 * adversarially searched pairs, and for linear layers within a small factor of the exact norm (the Jacobian's).
 */
class StandardLayerBoundsTest {

    private static final int CHANNELS = 3;
    private static final int HEIGHT = 7;
    private static final int WIDTH = 6;
    private static final int DIM = CHANNELS * HEIGHT * WIDTH;
    private static final InputType INPUT = InputType.convolutionalFlat(HEIGHT, WIDTH, CHANNELS);

    /** The bound of the whole stack, checked against random and searched pairs; returns bound / largest ratio. */
    private static double assertSound(String what, MultiLayerNetwork net) {
        double bound = NetworkLipschitz.upperBound(net, net.getnLayers() - 1, INPUT);
        UnaryOperator<INDArray> f = in -> net.output(in, false);
        double random = LipschitzProbe.maxRandomPairRatio(f, DIM, 64, 1);
        double searched = LipschitzProbe.maxAdversarialPairRatio(net, DIM, 3, 20, 2);
        assertTrue(bound >= random && bound >= searched, what + ": bound " + bound + " below a pair ratio (random "
                + random + ", searched " + searched + ")");
        return bound / Math.max(random, searched);
    }

    /** For a linear stack: sound, and within {@code factor} of the exact norm (the Jacobian's, at any point). */
    private static void assertSoundAndTight(String what, double factor, Layer... layers) {
        MultiLayerNetwork net = Nets.stack(INPUT, 3, layers);
        assertSound(what, net);
        double bound = NetworkLipschitz.upperBound(net, net.getnLayers() - 1, INPUT);
        double exact = LipschitzProbe.maxJacobianNorm(in -> net.output(in, false).reshape(in.size(0), -1), DIM, 1,
                1.0, 4);
        assertTrue(bound >= exact * (1 - 1e-9) && bound <= factor * exact, what + ": bound " + bound + ", exact norm "
                + exact);
    }

    private static ConvolutionLayer.Builder conv(int kh, int kw) {
        return new ConvolutionLayer.Builder(kh, kw).nOut(4).activation(Activation.IDENTITY);
    }

    @Test
    void convolutionsOfAnyGeometry() {
        assertSoundAndTight("3x2 kernel, stride 2x1, padding 1, truncate", 1.6,
                conv(3, 2).stride(2, 1).padding(1, 1).convolutionMode(ConvolutionMode.Truncate).build());
        assertSoundAndTight("3x3 kernel, dilation 2, same", 1.6,
                conv(3, 3).dilation(2, 2).convolutionMode(ConvolutionMode.Same).build());
        // stride 3 keeps one output in nine; the bound, that of the full convolution, does not see it
        assertSoundAndTight("5x5 kernel, stride 3, truncate", 2.5,
                conv(5, 5).stride(3, 3).convolutionMode(ConvolutionMode.Truncate).build());
        assertSoundAndTight("2x2 kernel, stride 1, same", 1.6,
                conv(2, 2).convolutionMode(ConvolutionMode.Same).build());
        assertSoundAndTight("transposed 3x3, stride 2", 1.6,
                new Deconvolution2D.Builder(3, 3).stride(2, 2).nOut(2).activation(Activation.IDENTITY).build());
        assertSoundAndTight("depthwise 3x3, multiplier 2", 1.6, new DepthwiseConvolution2D.Builder(3, 3)
                .depthMultiplier(2).convolutionMode(ConvolutionMode.Same).activation(Activation.IDENTITY).build());
        assertSoundAndTight("separable 3x3, multiplier 2", 1.6, new SeparableConvolution2D.Builder(3, 3)
                .depthMultiplier(2).nOut(3).activation(Activation.IDENTITY).build());
    }

    @Test
    void poolingOfAnyGeometryAndUpsampling() {
        assertSound("overlapping 3x3 max pooling, stride 2", Nets.stack(INPUT, 3,
                new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(3, 3).stride(2, 2).build()));
        assertSound("3x3 average pooling, stride 1, same", Nets.stack(INPUT, 3,
                new SubsamplingLayer.Builder(PoolingType.AVG).kernelSize(3, 3).stride(1, 1)
                        .convolutionMode(ConvolutionMode.Same).build()));
        assertSound("2x2 p-norm pooling (p = 2), stride 1", Nets.stack(INPUT, 3,
                new SubsamplingLayer.Builder(PoolingType.PNORM).pnorm(2).kernelSize(2, 2).stride(1, 1).build()));
        assertSoundAndTight("upsampling by 2", 1.0 + 1e-6, new Upsampling2D.Builder(2).build());
        // the windows-per-input count
        assertEquals(2, PoolingBounds.windowsPerInput(3, 2, 1));
        assertEquals(1, PoolingBounds.windowsPerInput(2, 2, 1));
        assertEquals(3, PoolingBounds.windowsPerInput(3, 1, 1));
        assertEquals(3, PoolingBounds.windowsPerInput(3, 2, 2)); // dilation 2, stride 2: x, x − 2, x − 4
        assertEquals(1, PoolingBounds.windowsPerInput(3, 3, 2)); // dilation 2, stride 3: one of them
    }

    @Test
    void batchNormalizationAloneAndFolded() {
        MultiLayerNetwork alone = Nets.stack(INPUT, 3, conv(3, 3).convolutionMode(ConvolutionMode.Same)
                .activation(Activation.RELU).build(), new BatchNormalization.Builder().build());
        MultiLayerNetwork folded = Nets.stack(INPUT, 3, conv(3, 3).convolutionMode(ConvolutionMode.Same).build(),
                new BatchNormalization.Builder().build(), new ActivationLayer(Activation.RELU));
        for (MultiLayerNetwork net : new MultiLayerNetwork[]{alone, folded}) {
            Nd4j.getRandom().setSeed(6);
            net.getLayer(1).setParam("gamma", Nd4j.rand(DataType.DOUBLE, 4).muli(3).subi(1.5));
            net.getLayer(1).setParam("mean", Nd4j.randn(DataType.DOUBLE, 4));
            net.getLayer(1).setParam("log10stdev", Nd4j.rand(DataType.DOUBLE, 4).subi(0.5));
        }
        assertSound("convolution, ReLU, batch normalisation", alone);
        assertSound("convolution, batch normalisation folded, ReLU", folded);
        // folding bounds the product as one operator: never above the separate bounds' product
        // max |γ|/σ, DL4J storing log10 σ
        double maxScale = Nd4j.math().abs(folded.getLayer(1).getParam("gamma").dup())
                .divi(Nd4j.math().pow(Nd4j.valueArrayOf(new long[]{4}, 10.0),
                        folded.getLayer(1).getParam("log10stdev"))).maxNumber().doubleValue();
        double product = NetworkLipschitz.upperBound(folded, 0, INPUT) * maxScale;
        assertTrue(NetworkLipschitz.upperBound(folded, 2, INPUT) <= product * (1 + 1e-9), "folded "
                + NetworkLipschitz.upperBound(folded, 2, INPUT) + " vs separate " + product);
    }

    @Test
    void theIssuesPoolingUnderSameModeAndTrailingLossLayers() {
        // 2x2 stride-2 max pooling in a network whose convolution mode is Same, on 28x28: disjoint windows, bound 1
        MultiLayerNetwork pooled = new MultiLayerNetwork(Nets.gradientCheckBase()
                .convolutionMode(ConvolutionMode.Same).list()
                .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY)
                        .build())
                .setInputType(InputType.convolutionalFlat(28, 28, 1)).build());
        pooled.init();
        assertEquals(1.0, NetworkLipschitz.upperBound(pooled, 1, InputType.convolutionalFlat(28, 28, 1)), 1e-8);
        MultiLayerNetwork softmax = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .dataType(DataType.DOUBLE).seed(1).list()
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(5)).build());
        softmax.init();
        double bound = NetworkLipschitz.upperBound(softmax, 0);
        double ratio = LipschitzProbe.maxRandomPairRatio(in -> softmax.output(in, false), 5, 64, 1);
        assertTrue(bound >= ratio, "softmax output layer: bound " + bound + ", ratio " + ratio);
    }
}
