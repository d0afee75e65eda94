package io.github.structnet.certify;

import io.github.structnet.lipschitz.GradientFlowDense;
import io.github.structnet.lipschitz.SpectralDense;
import io.github.structnet.lipschitz.TemperatureCrossEntropy;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The certificates against attacks: on a trained 1-Lipschitz classifier no sample certified at ε is flipped by
 * ℓ2 PGD (20 steps, random start) at ε, and the accuracy under attack is never below the certified accuracy; on an
 * unconstrained MLP the same attack does lower the accuracy (the attack works). Also: PGD stays in the ball and box.
 */
class AttacksTest {

    static INDArray x;
    static INDArray y;
    static MultiLayerNetwork lipschitz;
    static MultiLayerNetwork mlp;

    @BeforeAll
    static void train() {
        Nd4j.getRandom().setSeed(11);
        x = Nd4j.randn(DataType.DOUBLE, 200, 2);
        y = Nd4j.zeros(DataType.DOUBLE, 200, 2);
        for (int i = 0; i < 200; i++) {
            double r = Math.hypot(x.getDouble(i, 0), x.getDouble(i, 1));
            y.putScalar(i, r < 1.0 ? 0 : 1, 1.0);
        }
        lipschitz = net(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).seed(3).updater(new Adam(0.01))
                .list()
                .layer(new SpectralDense.Builder().nOut(8).build())
                .layer(new GradientFlowDense.Builder().nHidden(32).build())
                .layer(new GradientFlowDense.Builder().nHidden(32).build())
                .layer(new SpectralDense.Builder().nOut(2).build())
                .layer(new LossLayer.Builder(new TemperatureCrossEntropy(10)).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(2)).build());
        mlp = net(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).seed(3).updater(new Adam(0.01)).list()
                .layer(new DenseLayer.Builder().nOut(32).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nOut(32).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nOut(2).activation(Activation.IDENTITY).build())
                .layer(new LossLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(2)).build());
        for (int i = 0; i < 300; i++) {
            lipschitz.fit(x, y);
            mlp.fit(x, y);
        }
    }

    static MultiLayerNetwork net(org.deeplearning4j.nn.conf.MultiLayerConfiguration conf) {
        MultiLayerNetwork n = new MultiLayerNetwork(conf);
        n.init();
        return n;
    }

    @Test
    void noCertifiedSampleIsFlippedAndAttackAccuracyIsNeverBelowCertified() {
        INDArray logits = lipschitz.feedForwardToLayer(3, x, false).get(4);
        double bound = NetworkLipschitz.upperBound(lipschitz, 3);
        double[] radii = MarginCertificate.radii(logits, y, bound);
        int certifiedSomewhere = 0;
        for (double eps : new double[]{0.05, 0.1, 0.2, 0.3}) {
            INDArray adv = Attacks.pgd(Attacks.of(lipschitz), x, y, Attacks.Pgd.of(eps, 20, 5));
            INDArray predicted = lipschitz.output(adv, false).argMax(1);
            INDArray truth = y.argMax(1);
            for (int i = 0; i < radii.length; i++) {
                if (radii[i] > eps) {
                    certifiedSomewhere++;
                    assertEquals(truth.getLong(i), predicted.getLong(i), "certified sample " + i + " (radius "
                            + radii[i]
                            + ") flipped by PGD at ε = " + eps);
                }
            }
            double attacked = Attacks.accuracy(lipschitz, adv, y);
            double certified = MarginCertificate.certifiedAccuracy(radii, eps);
            assertTrue(attacked >= certified, "ε = " + eps + ": PGD accuracy " + attacked + " < certified "
                    + certified);
        }
        assertTrue(certifiedSomewhere > 100, "the test needs certified samples; got " + certifiedSomewhere);
    }

    @Test
    void theAttackLowersTheAccuracyOfAnUnconstrainedNetwork() {
        double clean = Attacks.accuracy(mlp, x, y);
        double attacked = Attacks.accuracy(mlp, Attacks.pgd(Attacks.of(mlp), x, y, Attacks.Pgd.of(0.3, 20, 5)), y);
        double fgsm = Attacks.accuracy(mlp, Attacks.fgsm(Attacks.of(mlp), x, y, 0.3), y);
        assertTrue(attacked < clean - 0.2, "PGD should hurt the MLP: clean " + clean + ", attacked " + attacked);
        assertTrue(fgsm < clean - 0.1, "FGSM should hurt the MLP: clean " + clean + ", attacked " + fgsm);
    }

    @Test
    void pgdStaysInTheBallAndTheBox() {
        INDArray inBox = org.nd4j.linalg.ops.transforms.Transforms.min(
                org.nd4j.linalg.ops.transforms.Transforms.max(x, -1, true), 1, true);
        INDArray adv = Attacks.pgd(Attacks.of(mlp), inBox, y, Attacks.Pgd.of(0.5, 5, 1).withBox(-1, 1));
        assertTrue(adv.sub(inBox).norm2(1).maxNumber().doubleValue() <= 0.5 + 1e-9, "outside the ε-ball");
        assertTrue(adv.maxNumber().doubleValue() <= 1 && adv.minNumber().doubleValue() >= -1, "outside the box");
        assertTrue(adv.sub(inBox).norm2(1).maxNumber().doubleValue() > 0.1, "the attack moved the points");
        assertThrows(IllegalArgumentException.class, () -> Attacks.Pgd.of(-1, 5, 1));
    }
}
