package io.github.structnet.lipschitz;

import io.github.structnet.spectral.SpectralNorm;
import io.github.structnet.testutil.CertifiedStacks;
import io.github.structnet.testutil.LipschitzProbe;
import io.github.structnet.testutil.Nets;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
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
 * BjorckDense: 1-Lipschitz for the weights it runs with after 300 steps of Adam at 0.5 and after a reload (per-layer
 * SVD of the effective map, random and adversarially searched pairs through the whole network), its certificate
 * computed from the orthogonalised weight, never below the exact norm and within 10⁻⁵ of it once converged;
 * orthogonal (every singular value 1) with enough steps, tall and wide; DL4J's gradient check in double precision;
 * clear errors.
 */
class BjorckDenseTest {

    private static final double TOLERANCE = CertifiedStacks.TOLERANCE;
    private static final int DIM_IN = 5;
    private static MultiLayerNetwork trained;

    private static MultiLayerConfiguration config(Boolean withLoss) {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).seed(4)
                .updater(new Adam(0.5)).list()
                .layer(new BjorckDense.Builder().nOut(8).build())
                .layer(new ActivationLayer.Builder().activation(new MaxMin()).build())
                .layer(new BjorckDense.Builder().nOut(6).orthogonalisationSteps(3).build())
                .layer(new ActivationLayer.Builder().activation(Activation.RELU).build())
                .layer(new BjorckDense.Builder().nOut(3).hasBias(false).build());
        if (withLoss) {
            list.layer(new LossLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX).build());
        }
        return list.setInputType(InputType.feedForward(DIM_IN)).build();
    }

    @BeforeAll
    static void train() {
        trained = CertifiedStacks.trainThreeClass(BjorckDenseTest::config, DIM_IN, 8);
    }

    /** The layer's map at inference as a matrix (the bias removed). */
    private static INDArray effective(MultiLayerNetwork net, int layer, int dimIn) {
        INDArray eye = Nd4j.eye(dimIn).castTo(DataType.DOUBLE);
        INDArray shift = LipschitzProbe.layerAtInference(net, layer).apply(Nd4j.zeros(DataType.DOUBLE, 1, dimIn));
        return LipschitzProbe.layerAtInference(net, layer).apply(eye).subRowVector(shift);
    }

    private static double certificate(MultiLayerNetwork net, int layer) {
        return ((BjorckDense) net.getLayer(layer).conf().getLayer()).lipschitzBound(net.getLayer(layer).paramTable());
    }

    private static void assertOneLipschitz(MultiLayerNetwork net, String when) {
        MultiLayerNetwork body = CertifiedStacks.body(net, BjorckDenseTest::config);
        int[] layers = {0, 2, 4};
        int[] dims = {DIM_IN, 8, 6};
        for (int k = 0; k < layers.length; k++) {
            int i = layers[k];
            double exact = SpectralNorm.exact(effective(body, i, dims[k]));
            double certificate = certificate(body, i);
            assertTrue(exact <= TOLERANCE, when + ": layer " + i + " exact norm " + exact);
            assertTrue(certificate >= exact * (1 - 1e-12), when + ": layer " + i + " certificate " + certificate
                    + " below the exact norm " + exact);
            assertTrue(certificate <= TOLERANCE, when + ": layer " + i + " certificate " + certificate);
        }
        CertifiedStacks.assertCertified(body, DIM_IN, "BjorckDense", when);
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
    void enoughStepsMakeTheMapOrthogonalAndTheCertificateTight() {
        for (long[] sizes : new long[][]{{4, 7}, {7, 4}, {5, 5}}) {
            Nd4j.getRandom().setSeed(11);
            MultiLayerNetwork net = Nets.stack(InputType.feedForward(sizes[0]), 3,
                    new BjorckDense.Builder().nOut(sizes[1]).orthogonalisationSteps(30).build());
            INDArray q = effective(net, 0, (int) sizes[0]);
            INDArray singular = SpectralNorm.singularValues(q);
            long kept = Math.min(sizes[0], sizes[1]);
            for (int i = 0; i < kept; i++) {
                double s = singular.getDouble(i);
                assertTrue(Math.abs(s - 1) < 1e-6, sizes[0] + "→" + sizes[1] + ": singular value " + s);
            }
            double exact = SpectralNorm.exact(q);
            double certificate = certificate(net, 0);
            assertTrue(certificate >= exact && certificate - exact < 1e-5, sizes[0] + "→" + sizes[1]
                    + ": certificate " + certificate + ", exact " + exact);
        }
    }

    @Test
    void aStackPassesDl4jsGradientCheck() {
        Nd4j.getRandom().setSeed(2);
        MultiLayerConfiguration conf = Nets.gradientCheckBase().list()
                .layer(new BjorckDense.Builder().nOut(6).orthogonalisationSteps(3).build())
                .layer(new ActivationLayer.Builder().activation(Activation.TANH).build())
                .layer(new BjorckDense.Builder().nOut(4).hasBias(false).orthogonalisationSteps(2).build())
                .layer(Nets.mseOutput(2))
                .setInputType(InputType.feedForward(3)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        INDArray in = Nd4j.rand(DataType.DOUBLE, 4, 3);
        INDArray labels = Nd4j.rand(DataType.DOUBLE, 4, 2);
        assertTrue(Nets.gradientsMatch(net, in, labels, Set.of()));
    }

    @Test
    void badSettingsAndInputsAreRefusedByName() {
        for (int steps : new int[]{0, -1, BjorckDense.MAX_STEPS + 1}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new BjorckDense.Builder().name("head").nOut(3).orthogonalisationSteps(steps).build());
            String message = e.getMessage();
            assertTrue(message.contains("BjorckDense 'head'") && message.contains("orthogonalisationSteps")
                    && message.contains(Integer.toString(steps)), message);
        }
        IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                () -> new BjorckDense.Builder().name("head").nOut(0).build());
        assertTrue(size.getMessage().contains("BjorckDense 'head'") && size.getMessage().contains("nOut"),
                size.getMessage());
        MultiLayerNetwork net = Nets.stack(InputType.feedForward(3), 1, new BjorckDense.Builder().nOut(2).build());
        Exception shape = assertThrows(Exception.class, () -> net.output(Nd4j.rand(DataType.DOUBLE, 2, 4)));
        assertTrue(String.valueOf(shape.getMessage()).contains("BjorckDense") || shape.getCause() != null
                && shape.getCause().getMessage().contains("BjorckDense"), shape.getMessage());
    }
}
