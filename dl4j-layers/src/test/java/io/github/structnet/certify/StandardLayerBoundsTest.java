package io.github.structnet.certify;

import io.github.structnet.testutil.LipschitzProbe;
import io.github.structnet.testutil.Nets;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.Convolution1DLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Deconvolution2D;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LocalResponseNormalization;
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

import java.util.List;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bounds of ordinary DL4J layers of any geometry: each is at least the largest ratio found on random and on
 * adversarially searched pairs, and for linear layers within a small factor of the exact norm (the Jacobian's).
 */
class StandardLayerBoundsTest {

    /** 3×7×6 = 126 inputs: every linear layer's bound is exact. */
    private static final InputType SMALL = InputType.convolutionalFlat(7, 6, 3);
    /** 2×23×23 = 1058 inputs, past the exact limit: Fourier bounds. */
    private static final InputType LARGE = InputType.convolutionalFlat(23, 23, 2);

    private static int dim(InputType type) {
        return (int) type.arrayElementsPerExample();
    }

    /** The bound of the whole stack, checked against random and searched pairs. */
    private static void assertSound(String what, MultiLayerNetwork net, InputType type) {
        double bound = NetworkLipschitz.upperBound(net, net.getnLayers() - 1, type);
        UnaryOperator<INDArray> f = in -> net.output(in, false);
        double random = LipschitzProbe.maxRandomPairRatio(f, dim(type), 32, 1);
        double searched = LipschitzProbe.maxAdversarialPairRatio(net, dim(type), 3, 20, 2);
        assertTrue(bound >= random && bound >= searched, what + ": bound " + bound + " below a pair ratio (random "
                + random + ", searched " + searched + ")");
    }

    private static void assertSound(String what, Layer... layers) {
        assertSound(what, Nets.stack(SMALL, 3, layers), SMALL);
    }

    /** For a linear stack: sound, and at most {@code factor} times the exact norm (the Jacobian's, at any point). */
    private static void assertSoundAndTight(String what, InputType type, double factor, Layer... layers) {
        MultiLayerNetwork net = Nets.stack(type, 3, layers);
        assertSound(what, net, type);
        double bound = NetworkLipschitz.upperBound(net, net.getnLayers() - 1, type);
        double exact = LipschitzProbe.maxJacobianNorm(in -> net.output(in, false).reshape(in.size(0), -1), dim(type),
                1, 1.0, 4);
        assertTrue(bound >= exact * (1 - 1e-9) && bound <= factor * exact, what + ": bound " + bound + ", exact norm "
                + exact);
    }

    /** Exact where the operator fits in memory: bound = norm to 1e-6. */
    private static void assertExact(String what, Layer layer) {
        assertSoundAndTight(what + " (small: exact)", SMALL, 1 + 1e-6, layer);
    }

    private static ConvolutionLayer.Builder conv(int kh, int kw) {
        return new ConvolutionLayer.Builder(kh, kw).nOut(4).activation(Activation.IDENTITY);
    }

    @Test
    void convolutionsOfAnyGeometryAreExactWhenSmall() {
        assertExact("3x2 kernel, stride 2x1, padding 1, truncate",
                conv(3, 2).stride(2, 1).padding(1, 1).convolutionMode(ConvolutionMode.Truncate).build());
        assertExact("3x3 kernel, dilation 2, same", conv(3, 3).dilation(2, 2).convolutionMode(ConvolutionMode.Same)
                .build());
        assertExact("5x5 kernel, stride 3, truncate", conv(5, 5).stride(3, 3)
                .convolutionMode(ConvolutionMode.Truncate).build());
        assertExact("1x1 kernel, stride 2", conv(1, 1).stride(2, 2).build());
        assertExact("transposed 3x3, stride 2",
                new Deconvolution2D.Builder(3, 3).stride(2, 2).nOut(2).activation(Activation.IDENTITY).build());
        assertExact("depthwise 3x3, multiplier 2", new DepthwiseConvolution2D.Builder(3, 3).depthMultiplier(2)
                .convolutionMode(ConvolutionMode.Same).activation(Activation.IDENTITY).build());
        assertExact("separable 3x3, multiplier 2", new SeparableConvolution2D.Builder(3, 3).depthMultiplier(2)
                .nOut(3).activation(Activation.IDENTITY).build());
    }

    @Test
    void convolutionsOfAnyGeometryHaveSoundFourierBoundsWhenLarge() {
        assertSoundAndTight("3x2 kernel, stride 2x1, padding 1, truncate", LARGE, 1.6,
                conv(3, 2).stride(2, 1).padding(1, 1).convolutionMode(ConvolutionMode.Truncate).build());
        assertSoundAndTight("3x3 kernel, dilation 2, same", LARGE, 1.6,
                conv(3, 3).dilation(2, 2).convolutionMode(ConvolutionMode.Same).build());
        assertSoundAndTight("separable 3x3, multiplier 2", LARGE, 1.6, new SeparableConvolution2D.Builder(3, 3)
                .depthMultiplier(2).nOut(3).activation(Activation.IDENTITY).build());
    }

    @Test
    void causalOneDimensionalConvolutionIsExact() {
        InputType sequence = InputType.recurrent(3, 10);
        MultiLayerNetwork net = Nets.stack(sequence, 3, new Convolution1DLayer.Builder(3).nOut(4)
                .convolutionMode(ConvolutionMode.Causal).activation(Activation.IDENTITY).build());
        double bound = NetworkLipschitz.upperBound(net, 0, sequence);
        UnaryOperator<INDArray> f = in -> net.output(in.reshape(in.size(0), 3, 10), false).reshape(in.size(0), -1);
        double exact = LipschitzProbe.maxJacobianNorm(f, 30, 1, 1.0, 4);
        assertTrue(bound >= exact * (1 - 1e-9) && bound <= exact * (1 + 1e-6), "bound " + bound + ", exact " + exact);
        assertEquals(BoundMethod.EXACT, NetworkLipschitz.breakdown(net, 0, sequence).get(0).method());
    }

    /** The window the local-response-normalisation bound counts, 2⌊n/2⌋ + 1 channels, is DL4J's: 5 for n = 4. */
    @Test
    void localResponseNormalisationWindowIsTheOneTheBoundCounts() {
        for (double n : new double[]{3, 4, 5, 6}) {
            MultiLayerNetwork net = Nets.stack(InputType.convolutional(1, 1, 16), 1,
                    new LocalResponseNormalization.Builder().n(n).k(1).alpha(1).beta(1).build());
            INDArray x = Nd4j.ones(DataType.DOUBLE, 1, 16, 1, 1);
            x.putScalar(new long[]{0, 8, 0, 0}, 10);
            INDArray y = net.output(x, false).reshape(16);
            int reached = 0;
            for (int c = 0; c < 16; c++) {
                reached += c != 8 && Math.abs(y.getDouble(c) - y.getDouble(3)) > 1e-12 && c > 3 && c < 13 ? 1 : 0;
            }
            assertEquals(2 * (int) Math.floor(n / 2), reached, "channels whose window holds channel 8, n = " + n);
        }
    }

    @Test
    void poolingOfAnyGeometryNormalisationAndUpsampling() {
        assertSound("overlapping 3x3 max pooling, stride 2",
                new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(3, 3).stride(2, 2).build());
        assertSound("3x3 average pooling, stride 1, same", new SubsamplingLayer.Builder(PoolingType.AVG)
                .kernelSize(3, 3).stride(1, 1).convolutionMode(ConvolutionMode.Same).build());
        assertSound("2x2 p-norm pooling (p = 2), stride 1",
                new SubsamplingLayer.Builder(PoolingType.PNORM).pnorm(2).kernelSize(2, 2).stride(1, 1).build());
        assertSound("local response normalisation", new LocalResponseNormalization.Builder().build());
        assertSound("local response normalisation, k = 0.5, n = 3", new LocalResponseNormalization.Builder()
                .k(0.5).n(3).alpha(0.5).beta(0.75).build());
        assertSound("local response normalisation, even n = 2 (a window of 3 channels)",
                new LocalResponseNormalization.Builder().k(1).n(2).alpha(1).beta(0.75).build());
        assertSoundAndTight("upsampling by 2", SMALL, 1.0 + 1e-6, new Upsampling2D.Builder(2).build());
        // the windows-per-input count
        assertEquals(2, PoolingBounds.windowsPerInput(3, 2, 1));
        assertEquals(1, PoolingBounds.windowsPerInput(2, 2, 1));
        assertEquals(3, PoolingBounds.windowsPerInput(3, 1, 1));
        assertEquals(3, PoolingBounds.windowsPerInput(3, 2, 2)); // dilation 2, stride 2: x, x − 2, x − 4
        assertEquals(1, PoolingBounds.windowsPerInput(3, 3, 2)); // dilation 2, stride 3: one of them
    }

    @Test
    void breakdownShowsEachLayersBoundAndMethod() {
        MultiLayerNetwork net = Nets.stack(LARGE, 3, conv(3, 3).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).build(),
                new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build(),
                conv(1, 1).build(),
                new DenseLayer.Builder().nOut(5).activation(Activation.IDENTITY).build());
        List<LayerBound> lines = NetworkLipschitz.breakdown(net, 3, LARGE);
        assertEquals(List.of(BoundMethod.FOURIER, BoundMethod.CLOSED_FORM, BoundMethod.GRAM_ITERATION,
                BoundMethod.GRAM_ITERATION), lines.stream().map(LayerBound::method).toList());
        double product = 1;
        for (LayerBound line : lines) {
            product *= line.bound();
            assertEquals(product, line.cumulative(), 1e-12 * product, line.toString());
        }
        assertEquals(product, NetworkLipschitz.upperBound(net, 3, LARGE), 1e-12 * product);
        assertTrue(lines.get(0).name().contains("ConvolutionLayer (layer 0"), lines.get(0).name());
    }

    @Test
    void batchNormalizationAloneAndFolded() {
        MultiLayerNetwork alone = Nets.stack(SMALL, 3, conv(3, 3).convolutionMode(ConvolutionMode.Same)
                .activation(Activation.RELU).build(), new BatchNormalization.Builder().build());
        MultiLayerNetwork folded = Nets.stack(SMALL, 3, conv(3, 3).convolutionMode(ConvolutionMode.Same).build(),
                new BatchNormalization.Builder().build(), new ActivationLayer(Activation.RELU));
        for (MultiLayerNetwork net : new MultiLayerNetwork[]{alone, folded}) {
            Nd4j.getRandom().setSeed(6);
            net.getLayer(1).setParam("gamma", Nd4j.rand(DataType.DOUBLE, 4).muli(3).subi(1.5));
            net.getLayer(1).setParam("mean", Nd4j.randn(DataType.DOUBLE, 4));
            net.getLayer(1).setParam("log10stdev", Nd4j.rand(DataType.DOUBLE, 4).subi(0.5));
        }
        assertSound("convolution, ReLU, batch normalisation", alone, SMALL);
        assertSound("convolution, batch normalisation folded, ReLU", folded, SMALL);
        // folding bounds the product as one operator: never above the separate bounds' product
        // max |γ|/σ, DL4J storing log10 σ
        double maxScale = Nd4j.math().abs(folded.getLayer(1).getParam("gamma").dup())
                .divi(Nd4j.math().pow(Nd4j.valueArrayOf(new long[]{4}, 10.0),
                        folded.getLayer(1).getParam("log10stdev"))).maxNumber().doubleValue();
        double product = NetworkLipschitz.upperBound(folded, 0, SMALL) * maxScale;
        assertTrue(NetworkLipschitz.upperBound(folded, 2, SMALL) <= product * (1 + 1e-9), "folded "
                + NetworkLipschitz.upperBound(folded, 2, SMALL) + " vs separate " + product);
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
