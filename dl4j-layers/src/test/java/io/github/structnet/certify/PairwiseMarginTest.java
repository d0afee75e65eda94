package io.github.structnet.certify;

import io.github.structnet.lipschitz.AolDense;
import io.github.structnet.lipschitz.NormalizedRowsDense;
import io.github.structnet.lipschitz.SllDense;
import io.github.structnet.spectral.SpectralNorm;
import io.github.structnet.testutil.Nets;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Last-layer normalisation and the pairwise margin certificate: NormalizedRowsDense passes DL4J's gradient check and
 * bounds its map by at least the exact ‖Ŵ‖₂; the weights read off an affine layer are the ones it applies (a
 * non-affine layer is refused); pairwise radii are never below the √2-radii and no PGD attack inside a certified
 * radius changes a trained network's prediction.
 */
class PairwiseMarginTest {

    private static final int DIM = 4;
    private static final int CLASSES = 3;

    private static MultiLayerConfiguration config() {
        return new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).seed(3).updater(new Adam(0.05)).list()
                .layer(new AolDense.Builder().nOut(6).build())
                .layer(new SllDense.Builder().nHidden(8).build())
                .layer(new NormalizedRowsDense.Builder().nOut(CLASSES).build())
                .layer(new LossLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(DIM)).build();
    }

    private static INDArray labels(INDArray x) {
        INDArray y = Nd4j.zeros(DataType.DOUBLE, x.rows(), CLASSES);
        for (int i = 0; i < x.rows(); i++) {
            y.putScalar(i, x.getDouble(i, 0) > 0.3 ? 0 : x.getDouble(i, 1) > 0 ? 1 : 2, 1.0);
        }
        return y;
    }

    @Test
    void noAttackInsideAPairwiseRadiusChangesThePrediction() {
        Nd4j.getRandom().setSeed(5);
        MultiLayerNetwork net = new MultiLayerNetwork(config());
        net.init();
        INDArray x = Nd4j.randn(DataType.DOUBLE, 128, DIM);
        INDArray y = labels(x);
        for (int step = 0; step < 200; step++) {
            net.fit(x, y);
        }
        INDArray logits = net.feedForwardToLayer(2, x, false).get(3);
        double body = NetworkLipschitz.upperBound(net, 1);
        INDArray w = MarginCertificate.affineWeights(net, 2, 6);
        double[] pairwise = MarginCertificate.pairwiseRadii(logits, y, body, w);
        double[] plain = MarginCertificate.radii(logits, y, NetworkLipschitz.upperBound(net, 2));
        int certified = 0;
        for (int i = 0; i < pairwise.length; i++) {
            assertTrue(plain[i] > 0 ? pairwise[i] >= plain[i] * (1 - 1e-12) : pairwise[i] <= 0, "sample " + i
                    + ": pairwise radius " + pairwise[i] + ", plain " + plain[i]);
            certified += pairwise[i] > 0.05 ? 1 : 0;
        }
        assertTrue(certified > 20, "only " + certified + " samples certified at 0.05");
        // attack every sample at 99 % of its pairwise radius: none may change class
        Attacks.InputGradient gradient = Attacks.of(net);
        INDArray truth = y.argMax(1);
        for (int i = 0; i < pairwise.length; i++) {
            if (pairwise[i] <= 1e-6) {
                continue;
            }
            INDArray xi = x.getRow(i, true);
            INDArray adv = Attacks.pgd(gradient, xi, y.getRow(i, true), Attacks.Pgd.of(0.99 * pairwise[i], 30, i));
            assertEquals(truth.getLong(i), net.output(adv).argMax(1).getLong(0),
                    "sample " + i + " flipped inside its certified radius " + pairwise[i]);
        }
    }

    @Test
    void weightsReadOffTheLayerAreTheNormalisedRows() {
        MultiLayerNetwork net = Nets.stack(InputType.feedForward(5), 2, new NormalizedRowsDense.Builder().nOut(3)
                .build(), new ActivationLayer.Builder().activation(Activation.TANH).build());
        INDArray w = net.getLayer(0).getParam(NormalizedRowsDense.WEIGHT_KEY);
        INDArray expected = w.divColumnVector(w.norm2(1).reshape(3, 1));
        INDArray read = MarginCertificate.affineWeights(net, 0, 5);
        assertTrue(read.equalsWithEps(expected, 1e-9), read + " vs " + expected);
        double bound = ((NormalizedRowsDense) net.getLayer(0).conf().getLayer())
                .lipschitzBound(net.getLayer(0).paramTable());
        double exact = SpectralNorm.exact(expected);
        assertTrue(bound >= exact * (1 - 1e-12) && bound <= exact * 1.01 && bound <= Math.sqrt(3) + 1e-9,
                "bound " + bound + ", exact " + exact);
        IllegalArgumentException notAffine = assertThrows(IllegalArgumentException.class,
                () -> MarginCertificate.affineWeights(net, 1, 3));
        assertTrue(notAffine.getMessage().contains("not affine"), notAffine.getMessage());
    }

    @Test
    void normalizedRowsPassDl4jsGradientCheck() {
        Nd4j.getRandom().setSeed(4);
        MultiLayerConfiguration conf = Nets.gradientCheckBase().list()
                .layer(new NormalizedRowsDense.Builder().nOut(4).build())
                .layer(new ActivationLayer.Builder().activation(Activation.TANH).build())
                .layer(new NormalizedRowsDense.Builder().nOut(3).build())
                .layer(Nets.mseOutput(2))
                .setInputType(InputType.feedForward(3)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        assertTrue(Nets.gradientsMatch(net, Nd4j.rand(DataType.DOUBLE, 4, 3), Nd4j.rand(DataType.DOUBLE, 4, 2),
                Set.of()));
    }

    @Test
    void badWeightsShapeIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MarginCertificate
                .pairwiseRadii(Nd4j.rand(DataType.DOUBLE, 2, 3), Nd4j.create(new double[]{0, 1}), 1.0,
                        Nd4j.rand(DataType.DOUBLE, 4, 5)));
        assertTrue(e.getMessage().contains("[3, d]"), e.getMessage());
    }
}
