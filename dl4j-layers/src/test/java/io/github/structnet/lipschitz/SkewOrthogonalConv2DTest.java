package io.github.structnet.lipschitz;

import io.github.structnet.spectral.SpectralNorm;
import io.github.structnet.testutil.CertifiedStacks;
import io.github.structnet.testutil.LipschitzProbe;
import io.github.structnet.testutil.Nets;
import org.deeplearning4j.nn.conf.CNN2DFormat;
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

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SkewOrthogonalConv2D: orthogonal on the zero-padded image (every singular value of the layer's operator 1 within
 * the certified excess, both layouts); a stack 1-Lipschitz for the weights it runs with after 120 steps of Adam at
 * 0.5 and after a reload (per-layer operator norms below the certificates computed from the kernels, random and
 * adversarially searched pairs); DL4J's gradient check in double precision; clear errors.
 */
class SkewOrthogonalConv2DTest {

    private static final int C = 2;
    private static final int H = 4;
    private static final int W = 3;
    private static final int DIM_IN = C * H * W;
    private static MultiLayerNetwork trained;

    private static MultiLayerConfiguration config(Boolean withLoss) {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).seed(4)
                .updater(new Adam(0.5)).list()
                .layer(new SkewOrthogonalConv2D.Builder().build())
                .layer(new ActivationLayer.Builder().activation(new MaxMin()).build())
                .layer(new SkewOrthogonalConv2D.Builder().terms(12).kernelSize(5).hasBias(false).build())
                .layer(new AolDense.Builder().nOut(3).build());
        if (withLoss) {
            list.layer(new LossLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX).build());
        }
        return list.setInputType(InputType.convolutionalFlat(H, W, C)).build();
    }

    @BeforeAll
    static void train() {
        trained = CertifiedStacks.trainThreeClass(SkewOrthogonalConv2DTest::config, DIM_IN, 8, 120);
    }

    /** The operator of layer {@code index} at inference on [C, H, W] inputs, as a matrix (bias removed). */
    private static INDArray operator(MultiLayerNetwork net, int index, long[] shape) {
        int n = (int) (shape[1] * shape[2] * shape[3]);
        INDArray basis = Nd4j.eye(n).castTo(DataType.DOUBLE).reshape(n, shape[1], shape[2], shape[3]);
        INDArray zero = Nd4j.zeros(DataType.DOUBLE, shape);
        INDArray out = net.getLayer(index).activate(basis, false, LayerWorkspaceMgr.noWorkspaces()).dup();
        INDArray shift = net.getLayer(index).activate(zero, false, LayerWorkspaceMgr.noWorkspaces()).dup();
        return out.reshape(n, -1).subRowVector(shift.reshape(1, -1));
    }

    @Test
    void theLayerIsOrthogonalOnTheZeroPaddedImageInBothLayouts() {
        for (CNN2DFormat format : CNN2DFormat.values()) {
            Nd4j.getRandom().setSeed(5);
            MultiLayerNetwork net = Nets.stack(InputType.convolutional(4, 5, 3, format), 7,
                    new SkewOrthogonalConv2D.Builder().terms(16).build());
            net.getLayer(0).getParam(SkewOrthogonalConv2D.KERNEL_KEY).muli(3);   // far from the identity
            long[] shape = format == CNN2DFormat.NCHW ? new long[]{1, 3, 4, 5} : new long[]{1, 4, 5, 3};
            INDArray singular = SpectralNorm.singularValues(operator(net, 0, shape));
            double certificate = ((SkewOrthogonalConv2D) net.getLayer(0).conf().getLayer())
                    .lipschitzBound(net.getLayer(0).paramTable());
            for (int i = 0; i < singular.length(); i++) {
                double s = singular.getDouble(i);
                assertTrue(Math.abs(s - 1) < 1e-9 && s <= certificate, format + ": singular value " + s
                        + ", certificate " + certificate);
            }
            double skew = SpectralNorm.exact(((SkewOrthogonalConv2D) net.getLayer(0).conf().getLayer())
                    .normalisedKernel(net.getLayer(0).paramTable()).reshape(1, -1));
            assertTrue(skew > 0.1, "not vacuous: the skew kernel has norm " + skew);
        }
    }

    private static void assertOneLipschitz(MultiLayerNetwork net, String when) {
        MultiLayerNetwork body = CertifiedStacks.body(net, SkewOrthogonalConv2DTest::config);
        for (int i : new int[]{0, 2}) {
            double exact = SpectralNorm.exact(operator(body, i, new long[]{1, C, H, W}));
            double certificate = ((LipschitzBounded) body.getLayer(i).conf().getLayer())
                    .lipschitzBound(body.getLayer(i).paramTable());
            assertTrue(exact <= certificate * (1 + 1e-12) && certificate <= CertifiedStacks.TOLERANCE, when
                    + ": layer " + i + " operator norm " + exact + ", certificate " + certificate);
        }
        CertifiedStacks.assertCertified(body, DIM_IN, "SkewOrthogonalConv2D", when);
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
                .layer(new SkewOrthogonalConv2D.Builder().terms(4).build())
                .layer(new ActivationLayer.Builder().activation(Activation.TANH).build())
                .layer(new SkewOrthogonalConv2D.Builder().terms(3).hasBias(false).build())
                .layer(Nets.mseOutput(2))
                .setInputType(InputType.convolutionalFlat(3, 3, 2)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        net.getLayer(0).getParam(SkewOrthogonalConv2D.BIAS_KEY).assign(Nd4j.randn(DataType.DOUBLE, 1, 2).muli(0.3));
        INDArray in = Nd4j.rand(DataType.DOUBLE, 3, 18);
        INDArray labels = Nd4j.rand(DataType.DOUBLE, 3, 2);
        assertTrue(Nets.gradientsMatch(net, in, labels, Set.of("0_v", "2_v")));   // the power-iteration state
    }

    @Test
    void badSettingsAndInputsAreRefusedByName() {
        for (int terms : new int[]{0, -2, SkewOrthogonalConv2D.MAX_TERMS + 1}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new SkewOrthogonalConv2D.Builder().name("soc").terms(terms).build());
            assertTrue(e.getMessage().contains("SkewOrthogonalConv2D 'soc'") && e.getMessage().contains("terms")
                    && e.getMessage().contains(Integer.toString(terms)), e.getMessage());
        }
        IllegalArgumentException even = assertThrows(IllegalArgumentException.class,
                () -> new SkewOrthogonalConv2D.Builder().name("soc").kernelSize(2).build());
        assertTrue(even.getMessage().contains("SkewOrthogonalConv2D 'soc'") && even.getMessage().contains("kernelSize"),
                even.getMessage());
        MultiLayerNetwork net = Nets.stack(InputType.convolutional(4, 4, 2), 1,
                new SkewOrthogonalConv2D.Builder().name("soc").build());
        Exception size = assertThrows(Exception.class, () -> net.output(Nd4j.rand(DataType.DOUBLE, 1, 2, 5, 5)));
        String message = String.valueOf(size.getMessage()) + (size.getCause() == null ? ""
                : size.getCause().getMessage());
        assertTrue(message.contains("SkewOrthogonalConv2D"), message);
    }
}
