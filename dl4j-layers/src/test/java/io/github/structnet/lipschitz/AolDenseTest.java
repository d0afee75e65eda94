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
import java.util.Arrays;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * AolDense: 1-Lipschitz for the weights it runs with after 300 steps of Adam at 0.5 and after a reload (per-layer SVD
 * of the effective map, random and adversarially searched pairs through the whole network), its certificate computed
 * from the weights and never below the exact norm, DL4J's gradient check in double precision, and clear errors.
 */
class AolDenseTest {

    private static final double TOLERANCE = CertifiedStacks.TOLERANCE;
    private static final int DIM_IN = 5;
    private static MultiLayerNetwork trained;

    private static MultiLayerConfiguration config(Boolean withLoss) {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).seed(4)
                .updater(new Adam(0.5)).list()
                .layer(new AolDense.Builder().nOut(8).build())
                .layer(new ActivationLayer.Builder().activation(new MaxMin()).build())
                .layer(new AolDense.Builder().nOut(6).build())
                .layer(new ActivationLayer.Builder().activation(Activation.RELU).build())
                .layer(new AolDense.Builder().nOut(3).hasBias(false).build());
        if (withLoss) {
            list.layer(new LossLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX).build());
        }
        return list.setInputType(InputType.feedForward(DIM_IN)).build();
    }

    @BeforeAll
    static void train() {
        trained = CertifiedStacks.trainThreeClass(AolDenseTest::config, DIM_IN, 8);
    }

    private static void assertOneLipschitz(MultiLayerNetwork net, String when) {
        MultiLayerNetwork body = CertifiedStacks.body(net, AolDenseTest::config);
        int[] layers = {0, 2, 4};
        int[] dims = {DIM_IN, 8, 6};
        for (int k = 0; k < layers.length; k++) {
            int i = layers[k];
            INDArray eye = Nd4j.eye(dims[k]).castTo(DataType.DOUBLE);
            INDArray shift = LipschitzProbe.layerAtInference(body, i).apply(Nd4j.zeros(DataType.DOUBLE, 1, dims[k]));
            INDArray effective = LipschitzProbe.layerAtInference(body, i).apply(eye).subRowVector(shift);
            double exact = SpectralNorm.exact(effective);
            double certificate = ((AolDense) body.getLayer(i).conf().getLayer())
                    .lipschitzBound(body.getLayer(i).paramTable());
            assertTrue(exact <= TOLERANCE, when + ": layer " + i + " exact norm " + exact);
            assertTrue(certificate >= exact * (1 - 1e-12), when + ": layer " + i + " certificate " + certificate
                    + " below the exact norm " + exact);
            assertTrue(certificate <= TOLERANCE, when + ": layer " + i + " certificate " + certificate);
        }
        CertifiedStacks.assertCertified(body, DIM_IN, "AolDense", when);
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
                .layer(new AolDense.Builder().nOut(6).build())
                .layer(new ActivationLayer.Builder().activation(Activation.TANH).build())
                .layer(new AolDense.Builder().nOut(4).hasBias(false).build())
                .layer(Nets.mseOutput(2))
                .setInputType(InputType.feedForward(3)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        INDArray in = Nd4j.rand(DataType.DOUBLE, 4, 3);
        INDArray labels = Nd4j.rand(DataType.DOUBLE, 4, 2);
        assertTrue(Nets.gradientsMatch(net, in, labels, Set.of()));
    }

    @Test
    void aZeroColumnStaysFiniteAndContracts() {
        MultiLayerNetwork net = Nets.stack(InputType.feedForward(3), 1, new AolDense.Builder().nOut(2).build());
        INDArray w = net.getLayer(0).getParam(AolDense.WEIGHT_KEY);
        w.getColumn(1).assign(0);
        INDArray out = net.output(Nd4j.create(new double[][]{{1, 2, 3}}));
        assertTrue(Arrays.stream(out.data().asDouble()).allMatch(Double::isFinite), "output " + out);
        double bound = ((AolDense) net.getLayer(0).conf().getLayer()).lipschitzBound(net.getLayer(0).paramTable());
        assertTrue(bound <= TOLERANCE, "bound " + bound);
    }

    @Test
    void badSizesAndInputsAreRefusedByName() {
        IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                () -> new AolDense.Builder().name("head").nOut(0).build());
        assertTrue(size.getMessage().contains("AolDense 'head'") && size.getMessage().contains("nOut"),
                size.getMessage());
        MultiLayerNetwork net = Nets.stack(InputType.feedForward(3), 1, new AolDense.Builder().nOut(2).build());
        Exception shape = assertThrows(Exception.class, () -> net.output(Nd4j.rand(DataType.DOUBLE, 2, 4)));
        assertTrue(String.valueOf(shape.getMessage()).contains("AolDense") || shape.getCause() != null
                && shape.getCause().getMessage().contains("AolDense"), shape.getMessage());
    }
}
