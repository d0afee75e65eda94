package io.github.structnet.kernels;

import io.github.structnet.lipschitz.GradientFlowConv2D;
import io.github.structnet.lipschitz.SpectralConv2D;
import io.github.structnet.symplectic.SymplecticConv2D;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import io.github.structnet.testutil.DirectRoutes;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The convolutional layers in float run on {@link DirectConvolution} (oneDNN, Winograd, fused ReLU); in double on
 * ND4J's ops. With the same parameters the float network must compute the double network's outputs, loss and
 * gradients to float accuracy, in both layouts, and a float stack of gradient-flow blocks must stay 1-Lipschitz up to
 * float rounding on random pairs.
 */
class DirectConvolutionLayersTest {

    /** These tests are about the direct routes themselves: a run with them switched off skips them. */
    @BeforeEach
    void directRoutesOn() {
        assumeTrue(DirectRoutes.onAtStart(), "the direct routes are switched off for this run");
    }

    private static final int MB = 4;
    private static final int C = 4;
    private static final int SIZE = 7;

    private static MultiLayerNetwork stack(DataType type, CNN2DFormat format, boolean symplectic) {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().dataType(type).seed(8)
                .updater(new Adam(0.01)).list()
                .layer(new GradientFlowConv2D.Builder().hiddenChannels(6).build())
                .layer(new GradientFlowConv2D.Builder().hiddenChannels(5).activation(Activation.TANH).build())
                .layer(new SpectralConv2D.Builder().outChannels(C).build());
        if (symplectic) {
            list.layer(new SymplecticConv2D.Builder().hiddenChannels(3).build());
        }
        MultiLayerConfiguration conf = list
                .layer(new LossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY).build())
                .setInputType(InputType.convolutional(SIZE, SIZE, C, format)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    @Test
    void floatNetworkOnOneDnnComputesTheDoubleNetworkOfNd4j() {
        Nd4j.getRandom().setSeed(17);
        for (CNN2DFormat format : new CNN2DFormat[]{CNN2DFormat.NCHW, CNN2DFormat.NHWC}) {
            boolean symplectic = format == CNN2DFormat.NCHW; // SymplecticConv2D takes NCHW only
            MultiLayerNetwork exact = stack(DataType.DOUBLE, format, symplectic);
            MultiLayerNetwork fast = stack(DataType.FLOAT, format, symplectic);
            fast.setParams(exact.params().castTo(DataType.FLOAT));
            long[] shape = format == CNN2DFormat.NHWC ? new long[]{MB, SIZE, SIZE, C} : new long[]{MB, C, SIZE, SIZE};
            INDArray x = Nd4j.randn(DataType.DOUBLE, shape);
            INDArray labels = Nd4j.randn(DataType.DOUBLE, MB, (long) C * SIZE * SIZE);

            long before = DirectConvolution.calls();
            FloatAgainstDouble.assertSameNetwork(exact, fast, x, labels, 1e-5, 1e-4, format.toString());
            assertTrue(DirectConvolution.calls() > before, format + ": the float network did not use oneDNN");
        }
    }

    @Test
    void floatGradientFlowStackIsNonExpansiveUpToFloatRounding() {
        Nd4j.getRandom().setSeed(23);
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).seed(9).list()
                .layer(new GradientFlowConv2D.Builder().hiddenChannels(8).build())
                .layer(new GradientFlowConv2D.Builder().hiddenChannels(8).build())
                .layer(new LossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY).build())
                .setInputType(InputType.convolutional(SIZE, SIZE, C, CNN2DFormat.NCHW)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        double worst = 0;
        for (int pair = 0; pair < 20; pair++) {
            INDArray x = Nd4j.randn(DataType.FLOAT, MB, C, SIZE, SIZE);
            INDArray y = x.add(Nd4j.randn(DataType.FLOAT, MB, C, SIZE, SIZE).muli(0.1));
            INDArray fx = net.output(x);
            INDArray fy = net.output(y);
            for (int i = 0; i < MB; i++) {
                double out = fx.getRow(i).sub(fy.getRow(i)).norm2Number().doubleValue();
                double in = x.get(org.nd4j.linalg.indexing.NDArrayIndex.point(i)).sub(
                        y.get(org.nd4j.linalg.indexing.NDArrayIndex.point(i))).norm2Number().doubleValue();
                worst = Math.max(worst, out / in);
            }
        }
        // float rounding of outputs of norm ~10 moves a difference of norm ~1 by ~1e-6 relative
        assertTrue(worst <= 1 + 1e-5, "Lipschitz ratio " + worst);
    }
}
