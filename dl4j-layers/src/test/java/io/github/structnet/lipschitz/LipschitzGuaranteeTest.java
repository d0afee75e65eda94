package io.github.structnet.lipschitz;

import io.github.structnet.testutil.LipschitzProbe;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The 1-Lipschitz guarantee for the weights the layers run with, after 300 training steps at a deliberately
 * large learning rate (Adam 0.5) and after a ModelSerializer round trip: per-block Jacobian norms (SVD, 200
 * random points) and, for the whole network π ∘ φ₂ ∘ φ₁ ∘ Q, 10,000 random pairs and 20 adversarially
 * searched pairs, all ≤ 1 + 1e-6. Also: the round trip is exact and training continues after reload.
 */
class LipschitzGuaranteeTest {

    static final double TOLERANCE = 1 + 1e-6;
    static final int DIM_IN = 4;
    static final int WIDTH = 8;
    static MultiLayerNetwork trained;

    static MultiLayerConfiguration config(boolean withLoss) {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).seed(7)
                .updater(new Adam(0.5)).list()
                .layer(new SpectralDense.Builder().nOut(WIDTH).build())
                .layer(new GradientFlowDense.Builder().nHidden(16).build())
                // three weight-tied steps: the non-expansive gradient-flow ODE as one layer
                .layer(new GradientFlowDense.Builder().nHidden(5).activation(Activation.LEAKYRELU).steps(3).build())
                .layer(new SpectralDense.Builder().nOut(3).build());
        if (withLoss) {
            list.layer(new LossLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX).build());
        }
        return list.setInputType(InputType.feedForward(DIM_IN)).build();
    }

    @BeforeAll
    static void train() {
        Nd4j.getRandom().setSeed(3);
        trained = new MultiLayerNetwork(config(true));
        trained.init();
        INDArray x = Nd4j.randn(DataType.DOUBLE, 64, DIM_IN);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, 64, 3);
        for (int i = 0; i < 64; i++) {
            y.putScalar(i, (x.getDouble(i, 0) * x.getDouble(i, 1) > 0 ? 0 : 1) + (x.getDouble(i, 2) > 1 ? 1 : 0), 1.0);
        }
        for (int step = 0; step < 300; step++) {
            trained.fit(x, y);
        }
    }

    /** The network up to the logits, with the trained parameters. */
    static MultiLayerNetwork body(MultiLayerNetwork net) {
        MultiLayerNetwork body = new MultiLayerNetwork(config(false));
        body.init(net.params().dup(), false);
        return body;
    }

    static void assertOneLipschitz(MultiLayerNetwork net, String when) {
        MultiLayerNetwork body = body(net);
        int[] dims = {DIM_IN, WIDTH, WIDTH, WIDTH};
        for (int i = 0; i < 4; i++) {
            double j = LipschitzProbe.maxJacobianNorm(LipschitzProbe.layerAtInference(body, i), dims[i], 200, 2.0, 11
                    + i);
            assertTrue(j <= TOLERANCE, when + ": layer " + i + " Jacobian norm " + j);
        }
        double random = LipschitzProbe.maxRandomPairRatio(in -> body.output(in, false), DIM_IN, 10_000, 5);
        assertTrue(random <= TOLERANCE, when + ": random pair ratio " + random);
        double adversarial = LipschitzProbe.maxAdversarialPairRatio(body, DIM_IN, 20, 150, 9);
        assertTrue(adversarial <= TOLERANCE, when + ": adversarial pair ratio " + adversarial);
        System.out.printf("%s: max random ratio %.6f, max adversarial ratio %.6f%n", when, random, adversarial);
    }

    @Test
    void oneLipschitzAfterTrainingWithALargeLearningRate() {
        assertOneLipschitz(trained, "after training");
    }

    @Test
    void oneLipschitzAndExactAfterReload(@TempDir File dir) throws IOException {
        File file = new File(dir, "net.zip");
        ModelSerializer.writeModel(trained, file, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(file, true);
        assertEquals(trained.getLayerWiseConfigurations(), restored.getLayerWiseConfigurations());
        assertEquals(trained.params(), restored.params(), "parameters, including the power-iteration vectors");
        assertEquals(trained.getLayer(1).getParam(GradientFlowDense.VECTOR_KEY),
                restored.getLayer(1).getParam(GradientFlowDense.VECTOR_KEY));
        INDArray x = Nd4j.randn(DataType.DOUBLE, 10, DIM_IN);
        assertEquals(trained.output(x), restored.output(x), "outputs must be identical after reload");
        assertTrue(java.util.Arrays.equals(trained.output(x).data().asDouble(), restored.output(x).data().asDouble()),
                "outputs must be bitwise identical");
        assertOneLipschitz(restored, "after reload");

        INDArray before = restored.params().dup();
        INDArray labels = Nd4j.zeros(DataType.DOUBLE, 10, 3);
        labels.getColumn(0).assign(1);
        for (int i = 0; i < 5; i++) {
            restored.fit(x, labels);
        }
        assertNotEquals(before, restored.params(), "training must continue after reload");
        assertOneLipschitz(restored, "after reload and more training");
    }

    @Test
    void certifiedBoundMatchesLayersAndSpectralNormsAreBelowOneAtInference() {
        MultiLayerNetwork body = body(trained);
        // the spectral layers' bounds B / (B + 1e-12) are 1 up to their norm floor; the others are 1
        double bound = io.github.structnet.certify.NetworkLipschitz.upperBound(body, 3);
        assertTrue(bound <= 1.0 && bound > 1 - 1e-9, "bound " + bound);
        for (int i : new int[]{0, 3}) {
            INDArray w = body.getLayer(i).getParam(SpectralDense.WEIGHT_KEY);
            INDArray eye = Nd4j.eye(w.columns()).castTo(DataType.DOUBLE);
            INDArray bias = body.getLayer(i).getParam(SpectralDense.BIAS_KEY);
            INDArray effective = LipschitzProbe.layerAtInference(body, i).apply(eye).subRowVector(bias);
            double norm = io.github.structnet.spectral.SpectralNorm.exact(effective);
            assertTrue(norm <= TOLERANCE && norm > 0.99, "SpectralDense " + i + " effective norm " + norm);
        }
    }
}
