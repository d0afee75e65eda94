package io.github.structnet.lipschitz;

import io.github.structnet.spectral.ConvolutionNorm;
import io.github.structnet.testutil.CertifiedStacks;
import io.github.structnet.testutil.LipschitzProbe;
import io.github.structnet.testutil.Nets;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.BeforeAll;
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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * AolConv2D and SllConv2D: the channel Gram matrix against explicit sums; the rescaled operators' exact norms at most
 * 1 on small zero-padded inputs (where padding matters most) for random, positive and large kernels; a stack
 * 1-Lipschitz for the weights it runs with after 120 steps of Adam at 0.5 and after a reload (per-layer Jacobian
 * norms, random and adversarially searched pairs, all below the certificates computed from the weights); DL4J's
 * gradient check in double precision; clear errors.
 */
class CertifiedConvTest {

    private static final int C = 2;
    private static final int H = 5;
    private static final int W = 4;
    private static final int DIM_IN = C * H * W;
    private static MultiLayerNetwork trained;

    private static MultiLayerConfiguration config(Boolean withLoss) {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).seed(4)
                .updater(new Adam(0.5)).list()
                .layer(new AolConv2D.Builder().outChannels(4).build())
                .layer(new ActivationLayer.Builder().activation(new MaxMin()).build())
                .layer(new SllConv2D.Builder().hiddenChannels(6).build())
                .layer(new SllConv2D.Builder().hiddenChannels(3).activation(Activation.TANH).build())
                .layer(new AolDense.Builder().nOut(3).build());
        if (withLoss) {
            list.layer(new LossLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX).build());
        }
        return list.setInputType(InputType.convolutionalFlat(H, W, C)).build();
    }

    @BeforeAll
    static void train() {
        trained = CertifiedStacks.trainThreeClass(CertifiedConvTest::config, DIM_IN, 8, 120);
    }

    @Test
    void gramMatrixIsTheSumOfAbsoluteKernelCorrelations() {
        Nd4j.getRandom().setSeed(3);
        int k = 3;
        INDArray kernel = Nd4j.randn(DataType.DOUBLE, k, k, 2, 4);
        assertEquals(explicitGram(kernel, true), ConvolutionGram.compute(kernel, k, ConvolutionGram.Side.OUTPUT));
        assertEquals(explicitGram(kernel, false), ConvolutionGram.compute(kernel, k, ConvolutionGram.Side.INPUT));
    }

    /** Σ_δ |Σ_c Σ_u K[u, c, i] K[u + δ, c, j]| (output side) or the same over input channels, by loops. */
    private static INDArray explicitGram(INDArray kernel, boolean outputSide) {
        int k = (int) kernel.size(0);
        int n = (int) kernel.size(outputSide ? 3 : 2);
        int other = (int) kernel.size(outputSide ? 2 : 3);
        INDArray a = Nd4j.zeros(DataType.DOUBLE, n, n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int dy = -(k - 1); dy < k; dy++) {
                    for (int dx = -(k - 1); dx < k; dx++) {
                        double p = 0;
                        for (int c = 0; c < other; c++) {
                            for (int uy = 0; uy < k; uy++) {
                                for (int ux = 0; ux < k; ux++) {
                                    int vy = uy + dy;
                                    int vx = ux + dx;
                                    if (vy >= 0 && vy < k && vx >= 0 && vx < k) {
                                        p += outputSide
                                                ? kernel.getDouble(uy, ux, c, i) * kernel.getDouble(vy, vx, c, j)
                                                : kernel.getDouble(uy, ux, i, c) * kernel.getDouble(vy, vx, j, c);
                                    }
                                }
                            }
                        }
                        sum += Math.abs(p);
                    }
                }
                a.putScalar(i, j, sum);
            }
        }
        return a;
    }

    @Test
    void rescaledOperatorsNeverExpandOnSmallZeroPaddedInputs() {
        long[][] sizes = {{1, 1}, {2, 5}, {3, 3}, {6, 6}};
        int[] kernelSizes = {1, 3, 5};
        double largest = 0;
        for (long[] size : sizes) {
            for (int k : kernelSizes) {
                for (int kind = 0; kind < 3; kind++) {
                    Nd4j.getRandom().setSeed(31L * k + kind + size[0]);
                    INDArray kernel = Nd4j.randn(DataType.DOUBLE, k, k, 3, 4);
                    if (kind == 1) {
                        kernel = Nd4j.rand(DataType.DOUBLE, k, k, 3, 4);    // all positive: the Schur test is tight
                    } else if (kind == 2) {
                        kernel.muli(1e3);
                    }
                    AolConv2D aol = new AolConv2D.Builder().kernelSize(k).inputSize(3, size[0], size[1]).outChannels(4)
                            .build();
                    SllConv2D sll = new SllConv2D.Builder().kernelSize(k).inputSize(3, size[0], size[1])
                            .hiddenChannels(4).build();
                    INDArray logQ = Nd4j.randn(DataType.DOUBLE, 1, 4);
                    double aolNorm = ConvolutionNorm.exact(aol.rescaledKernel(kernel), 1, size[0], size[1]);
                    double sllNorm = ConvolutionNorm.exact(sll.rescaledKernel(kernel, logQ), 1, size[0], size[1]);
                    String where = "k " + k + ", " + size[0] + "x" + size[1] + ", kernel kind " + kind;
                    assertTrue(aolNorm <= 1 + 1e-9, "AOL " + where + ": " + aolNorm);
                    assertTrue(sllNorm <= 1 + 1e-9, "SLL " + where + ": " + sllNorm);
                    largest = Math.max(largest, Math.max(aolNorm, sllNorm));
                }
            }
        }
        assertTrue(largest > 0.5, "not vacuous: the largest rescaled norm was " + largest);
    }

    private static void assertOneLipschitz(MultiLayerNetwork net, String when) {
        MultiLayerNetwork body = CertifiedStacks.body(net, CertifiedConvTest::config);
        long[][] inputShapes = {{C, H, W}, {4, H, W}, {4, H, W}, {4, H, W}};
        for (int i : new int[]{0, 2, 3}) {
            long[] s = inputShapes[i];
            int layer = i;
            double jacobian = LipschitzProbe.maxJacobianNorm(in -> body.getLayer(layer)
                    .activate(in.reshape(in.size(0), s[0], s[1], s[2]), false, LayerWorkspaceMgr.noWorkspaces())
                    .reshape(in.size(0), -1).dup(), (int) (s[0] * s[1] * s[2]), 40, 2.0, 21 + i);
            double certificate = ((LipschitzBounded) body.getLayer(i).conf().getLayer())
                    .lipschitzBound(body.getLayer(i).paramTable());
            // the central differences are accurate to about 1e-9 here, and an SLL block's Jacobian norm is exactly 1
            // wherever K has a null space
            assertTrue(jacobian <= certificate + 1e-8 && certificate <= CertifiedStacks.TOLERANCE, when
                    + ": layer " + i + " Jacobian norm " + jacobian + ", certificate " + certificate);
        }
        CertifiedStacks.assertCertified(body, DIM_IN, "AolConv2D + SllConv2D", when);
    }

    @Test
    void oneLipschitzAfterTrainingWithALargeLearningRate() {
        assertOneLipschitz(trained, "after training");
    }

    @Test
    void oneLipschitzAndBitwiseAfterReload(@TempDir File dir) throws IOException {
        assertOneLipschitz(CertifiedStacks.reloadBitwise(trained, dir, DIM_IN), "after reload");
    }

    @Test
    void aStackPassesDl4jsGradientCheck() {
        Nd4j.getRandom().setSeed(2);
        MultiLayerConfiguration conf = Nets.gradientCheckBase().list()
                .layer(new AolConv2D.Builder().outChannels(2).build())
                .layer(new SllConv2D.Builder().hiddenChannels(3).activation(Activation.SOFTPLUS).build())
                .layer(Nets.mseOutput(2))
                .setInputType(InputType.convolutionalFlat(3, 3, 2)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        // non-zero biases and scales, so that every term of the gradient is exercised
        net.getLayer(0).getParam(AolConv2D.BIAS_KEY).assign(Nd4j.randn(DataType.DOUBLE, 1, 2).muli(0.3));
        net.getLayer(1).getParam(SllConv2D.BIAS_KEY).assign(Nd4j.randn(DataType.DOUBLE, 1, 3).muli(0.3));
        net.getLayer(1).getParam(SllConv2D.SCALE_KEY).assign(Nd4j.randn(DataType.DOUBLE, 1, 3).muli(0.5));
        INDArray in = Nd4j.rand(DataType.DOUBLE, 3, 18);
        INDArray labels = Nd4j.rand(DataType.DOUBLE, 3, 2);
        assertTrue(Nets.gradientsMatch(net, in, labels, Set.of()));
    }

    @Test
    void badSettingsAndInputsAreRefusedByName() {
        IllegalArgumentException even = assertThrows(IllegalArgumentException.class,
                () -> new SllConv2D.Builder().name("block").kernelSize(4).hiddenChannels(3).build());
        assertTrue(even.getMessage().contains("SllConv2D 'block'") && even.getMessage().contains("kernelSize")
                && even.getMessage().contains("4"), even.getMessage());
        IllegalArgumentException channels = assertThrows(IllegalArgumentException.class,
                () -> new AolConv2D.Builder().name("lift").outChannels(0).build());
        assertTrue(channels.getMessage().contains("AolConv2D 'lift'") && channels.getMessage().contains("outChannels"),
                channels.getMessage());
        IllegalArgumentException activation = assertThrows(IllegalArgumentException.class,
                () -> new SllConv2D.Builder().hiddenChannels(3).activation(Activation.CUBE).build());
        assertTrue(activation.getMessage().contains("SllConv2D"), activation.getMessage());
        MultiLayerNetwork net = Nets.stack(InputType.convolutional(4, 4, 2), 1,
                new SllConv2D.Builder().name("block").hiddenChannels(2).build());
        Exception shape = assertThrows(Exception.class, () -> net.output(Nd4j.rand(DataType.DOUBLE, 2, 2, 5, 4)));
        String message = shape.getMessage() + " " + (shape.getCause() == null ? "" : shape.getCause().getMessage());
        assertTrue(message.contains("SllConv2D 'block'") && message.contains("4x4"), message);
    }
}
