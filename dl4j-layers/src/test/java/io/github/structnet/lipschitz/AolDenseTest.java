package io.github.structnet.lipschitz;

import io.github.structnet.certify.NetworkLipschitz;
import io.github.structnet.spectral.SpectralNorm;
import io.github.structnet.testutil.LipschitzProbe;
import io.github.structnet.testutil.Nets;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
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

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * AolDense: 1-Lipschitz for the weights it runs with after 300 steps of Adam at 0.5 and after a reload (per-layer SVD
 * of the effective map, random and adversarially searched pairs through the whole network), its certificate computed
 * from the weights and never below the exact norm, DL4J's gradient check in double precision, and clear errors.
 */
class AolDenseTest {

    private static final double TOLERANCE = 1 + 1e-6;
    private static final int DIM_IN = 5;
    private static MultiLayerNetwork trained;

    private static MultiLayerConfiguration config(boolean withLoss) {
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
        Nd4j.getRandom().setSeed(8);
        trained = new MultiLayerNetwork(config(true));
        trained.init();
        INDArray x = Nd4j.randn(DataType.DOUBLE, 64, DIM_IN);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, 64, 3);
        for (int i = 0; i < 64; i++) {
            y.putScalar(i, x.getDouble(i, 0) * x.getDouble(i, 1) > 0 ? 0 : x.getDouble(i, 2) > 0 ? 1 : 2, 1.0);
        }
        for (int step = 0; step < 300; step++) {
            trained.fit(x, y);
        }
    }

    private static MultiLayerNetwork body(MultiLayerNetwork net) {
        MultiLayerNetwork body = new MultiLayerNetwork(config(false));
        body.init(net.params().dup(), false);
        return body;
    }

    private static void assertOneLipschitz(MultiLayerNetwork net, String when) {
        MultiLayerNetwork body = body(net);
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
        double random = LipschitzProbe.maxRandomPairRatio(in -> body.output(in, false), DIM_IN, 10_000, 5);
        double adversarial = LipschitzProbe.maxAdversarialPairRatio(body, DIM_IN, 20, 150, 9);
        double bound = NetworkLipschitz.upperBound(body, 4);
        assertTrue(random <= TOLERANCE, when + ": random pair ratio " + random);
        assertTrue(adversarial <= bound * (1 + 1e-9) && bound <= TOLERANCE, when + ": adversarial ratio "
                + adversarial + ", certified bound " + bound);
        System.out.printf("AolDense %s: random ratio %.6f, adversarial ratio %.6f, certified bound %.9f%n", when,
                random, adversarial, bound);
        // trained AOL layers are not isometries, but they must not have collapsed either
        assertTrue(adversarial > 0.05, when + ": adversarial ratio " + adversarial);
    }

    @Test
    void oneLipschitzAfterTrainingWithALargeLearningRate() {
        assertOneLipschitz(trained, "after training");
    }

    @Test
    void oneLipschitzAndBitwiseAfterReload(@TempDir File dir) throws IOException {
        File file = new File(dir, "aol.zip");
        ModelSerializer.writeModel(trained, file, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(file, true);
        assertEquals(trained.getLayerWiseConfigurations(), restored.getLayerWiseConfigurations());
        INDArray x = Nd4j.randn(DataType.DOUBLE, 10, DIM_IN);
        assertArrayEquals(trained.output(x).data().asDouble(), restored.output(x).data().asDouble(),
                "outputs bitwise equal after reload");
        assertOneLipschitz(restored, "after reload");
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
