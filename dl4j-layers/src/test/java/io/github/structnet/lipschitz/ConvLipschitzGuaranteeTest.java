package io.github.structnet.lipschitz;

import io.github.structnet.certify.Attacks;
import io.github.structnet.certify.MarginCertificate;
import io.github.structnet.certify.NetworkLipschitz;
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
import java.util.Arrays;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The 1-Lipschitz guarantee of the convolutional layers for the weights they run with, after 150 Adam steps at a
 * deliberately large learning rate (0.5) and after a ModelSerializer round trip: each block's Jacobian spectral
 * norm (central differences, SVD, 30 random points) ≤ 1 + 1e-6; the whole network's certified bound is 1, no random
 * or PGD-searched pair exceeds it, and PGD never flips a sample within its certified radius.
 */
class ConvLipschitzGuaranteeTest {

    static final double TOLERANCE = 1 + 1e-6;
    static final InputType INPUT = InputType.convolutional(6, 6, 2);
    static final int LOGITS = 5;
    static MultiLayerNetwork trained;
    static INDArray features;
    static INDArray labels;

    static MultiLayerConfiguration config() {
        return new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).seed(5).updater(new Adam(0.5)).list()
                .layer(new SpectralConv2D.Builder().name("lift").outChannels(4).build())
                .layer(new GradientFlowConv2D.Builder().name("flowA").hiddenChannels(6).build())
                .layer(new GradientFlowConv2D.Builder().name("flowB").hiddenChannels(3).kernelSize(5)
                        .activation(Activation.LEAKYRELU).build())
                .layer(new SpectralConv2D.Builder().name("down").outChannels(4).stride(2).build())
                .layer(new GradientFlowDense.Builder().name("dense").nHidden(8).build())
                .layer(new SpectralDense.Builder().name("logits").nOut(3).build())
                .layer(new LossLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX).build())
                .setInputType(INPUT).build();
    }

    @BeforeAll
    static void train() {
        Nd4j.getRandom().setSeed(3);
        trained = new MultiLayerNetwork(config());
        trained.init();
        features = Nd4j.randn(DataType.DOUBLE, 48, 2, 6, 6);
        labels = Nd4j.zeros(DataType.DOUBLE, 48, 3);
        for (int i = 0; i < 48; i++) {
            double s = features.getDouble(i, 0, 1, 1) + features.getDouble(i, 1, 4, 4);
            labels.putScalar(i, s > 0.7 ? 0 : s < -0.7 ? 1 : 2, 1.0);
        }
        for (int step = 0; step < 150; step++) {
            trained.fit(features, labels);
        }
    }

    /** Layer i at inference as a function of flattened inputs. */
    static UnaryOperator<INDArray> flat(MultiLayerNetwork net, int i, long[] inputShape) {
        UnaryOperator<INDArray> layer = LipschitzProbe.layerAtInference(net, i);
        return x -> {
            long[] shape = inputShape.clone();
            shape[0] = x.size(0);
            INDArray out = layer.apply(x.reshape(shape));
            return out.reshape(out.size(0), out.length() / out.size(0));
        };
    }

    static void assertOneLipschitz(MultiLayerNetwork net, String when) {
        long[][] shapes = {{1, 2, 6, 6}, {1, 4, 6, 6}, {1, 4, 6, 6}, {1, 4, 6, 6}};
        for (int i = 0; i < shapes.length; i++) {
            int dim = (int) (shapes[i][1] * shapes[i][2] * shapes[i][3]);
            double j = LipschitzProbe.maxJacobianNorm(flat(net, i, shapes[i]), dim, 30, 2.0, 17 + i);
            assertTrue(j <= TOLERANCE, when + ": layer " + i + " Jacobian norm " + j);
            System.out.printf("%s: layer %d max Jacobian norm %.6f%n", when, i, j);
        }
        assertEquals(1.0, NetworkLipschitz.upperBound(net, LOGITS, INPUT), 1e-12, when);
        UnaryOperator<INDArray> logits = x -> net.feedForwardToLayer(LOGITS, x.reshape(x.size(0), 2, 6, 6), false)
                .get(LOGITS + 1);
        double random = LipschitzProbe.maxRandomPairRatio(logits, 72, 2000, 5);
        assertTrue(random <= TOLERANCE, when + ": random pair ratio " + random);
        System.out.printf("%s: max random pair ratio %.6f%n", when, random);
    }

    @Test
    void oneLipschitzAfterTrainingWithALargeLearningRate() {
        assertOneLipschitz(trained, "after training");
    }

    @Test
    void oneLipschitzAndBitwiseIdenticalAfterReload(@TempDir File dir) throws IOException {
        File file = new File(dir, "conv.zip");
        ModelSerializer.writeModel(trained, file, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(file, true);
        assertEquals(trained.getLayerWiseConfigurations(), restored.getLayerWiseConfigurations());
        INDArray x = Nd4j.randn(DataType.DOUBLE, 7, 2, 6, 6);
        assertTrue(Arrays.equals(trained.output(x).data().asDouble(), restored.output(x).data().asDouble()),
                "outputs must be bitwise identical after reload");
        assertOneLipschitz(restored, "after reload");
    }

    @Test
    void attacksNeverBeatTheCertificate() {
        INDArray logits = trained.feedForwardToLayer(LOGITS, features, false).get(LOGITS + 1);
        double bound = NetworkLipschitz.upperBound(trained, LOGITS, INPUT);
        double[] radii = MarginCertificate.radii(logits, labels, bound);
        int certifiedCases = 0;
        for (double eps : new double[]{0.05, 0.1, 0.2, 0.4}) {
            INDArray adv = Attacks.pgd(Attacks.of(trained), features, labels, Attacks.Pgd.of(eps, 30, 7));
            INDArray advLogits = trained.feedForwardToLayer(LOGITS, adv, false).get(LOGITS + 1);
            INDArray predicted = advLogits.argMax(1);
            INDArray truth = labels.argMax(1);
            for (int i = 0; i < radii.length; i++) {
                if (radii[i] >= eps) {
                    certifiedCases++;
                    assertEquals(truth.getLong(i), predicted.getLong(i), "sample " + i + " certified at " + eps
                            + " (radius " + radii[i] + ") flipped by PGD");
                }
            }
            double ratio = advLogits.sub(logits).norm2(1).div(adv.sub(features).reshape(48, 72).norm2(1))
                    .maxNumber().doubleValue();
            assertTrue(ratio <= bound * TOLERANCE, "PGD pair ratio " + ratio + " above the bound " + bound);
        }
        System.out.println("certified sample-epsilon cases checked against PGD: " + certifiedCases);
        assertTrue(certifiedCases >= 20, "too few certified cases to test: " + certifiedCases);
    }
}
