package io.github.structnet.lipschitz;

import io.github.structnet.certify.NetworkLipschitz;
import io.github.structnet.spectral.ConvolutionNorm;
import io.github.structnet.spectral.GramIteration;
import io.github.structnet.testutil.LipschitzProbe;
import io.github.structnet.testutil.Nets;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each layer's {@code lipschitzBound(params)} is computed from the parameters and configuration it is given: it
 * follows the formula of the step the layer runs at inference, reports more than 1 when a configuration edited past
 * the builder's checks (as a hand-edited JSON file would carry) makes the layer expansive, and that reported value
 * is not below what an adversarial search finds. Parameters that cannot be certified are refused by name.
 */
class CertificateFromParametersTest {

    private static final int DIM = 6;

    @Test
    void gradientFlowDenseBoundFollowsItsStepAndIsOneForItsOwnParameters() {
        MultiLayerNetwork net = Nets.stack(InputType.feedForward(DIM), 3,
                new GradientFlowDense.Builder().nHidden(8).safetyFraction(0.7).build());
        GradientFlowDense conf = (GradientFlowDense) net.getLayer(0).conf().getLayer();
        Map<String, INDArray> params = net.getLayer(0).paramTable();
        double b = GramIteration.upperBound(params.get(GradientFlowDense.WEIGHT_KEY));
        // t = 0 (sigmoid 1/2): τ B² = 0.7 < 1, bound 1
        assertEquals(1.0, conf.lipschitzBound(params), 0.0);
        conf.setSafetyFraction(1.9);
        assertBoundFollowsAnEditedStep(conf, params, GradientFlowDense.STEP_KEY, b);
    }

    /** With s = 1.9 (set by the caller) and t = 5, a step the theorem does not cover: τ B² − 1 from the formula. */
    private static void assertBoundFollowsAnEditedStep(LipschitzBounded layer, Map<String, INDArray> params,
                                                       String stepKey, double b) {
        params.get(stepKey).assign(5.0);
        double tau = 2 * 1.9 / (1 + Math.exp(-5.0)) / (b * b + Norms.FLOOR);
        assertEquals(tau * b * b - 1, layer.lipschitzBound(params), 1e-9);
    }

    @Test
    void anEditedGradientFlowDenseIsExpansiveAndItsBoundSaysSo() {
        MultiLayerNetwork net = Nets.stack(InputType.feedForward(DIM), 3,
                new GradientFlowDense.Builder().nHidden(8).build());
        net.getLayer(0).getParam(GradientFlowDense.STEP_KEY).assign(5.0);
        String json = net.getLayerWiseConfigurations().toJson();
        String edited = json.replace("\"safetyFraction\" : 1.0", "\"safetyFraction\" : 1.9");
        assertNotEquals(json, edited, "the JSON carries safetyFraction");
        MultiLayerNetwork tampered = new MultiLayerNetwork(MultiLayerConfiguration.fromJson(edited));
        tampered.init(net.params().dup(), false);

        double original = NetworkLipschitz.upperBound(net, 0);
        double bound = NetworkLipschitz.upperBound(tampered, 0);
        double found = LipschitzProbe.maxAdversarialPairRatio(tampered, DIM, 8, 60, 11);
        assertEquals(1.0, original, 0.0);
        assertTrue(bound > 2.5, "bound of the edited layer " + bound);
        assertTrue(found > 1.5, "an adversarial search finds the edited layer expansive: ratio " + found);
        assertTrue(found <= bound * (1 + 1e-9), "search ratio " + found + " exceeds the bound " + bound);
    }

    @Test
    void gradientFlowConv2DBoundFollowsItsStep() {
        MultiLayerNetwork net = Nets.stack(InputType.convolutional(6, 5, 2), 5,
                new GradientFlowConv2D.Builder().hiddenChannels(3).build());
        GradientFlowConv2D conf = (GradientFlowConv2D) net.getLayer(0).conf().getLayer();
        Map<String, INDArray> params = net.getLayer(0).paramTable();
        assertEquals(1.0, conf.lipschitzBound(params), 0.0);
        conf.setSafetyFraction(1.9);
        double b = ConvolutionNorm.upperBound(params.get(GradientFlowConv2D.KERNEL_KEY), 1, 6, 5);
        assertBoundFollowsAnEditedStep(conf, params, GradientFlowConv2D.STEP_KEY, b);
    }

    @Test
    void spectralLayersBoundTheirNormalisedOperatorsBelowOne() {
        MultiLayerNetwork dense = Nets.stack(InputType.feedForward(DIM), 3,
                new SpectralDense.Builder().nOut(4).build());
        double denseBound = ((SpectralDense) dense.getLayer(0).conf().getLayer())
                .lipschitzBound(dense.getLayer(0).paramTable());
        assertTrue(denseBound <= 1.0 && denseBound > 1 - 1e-9, "SpectralDense bound " + denseBound);
        MultiLayerNetwork conv = Nets.stack(InputType.convolutional(6, 6, 2), 3,
                new SpectralConv2D.Builder().outChannels(3).stride(2).build());
        double convBound = ((SpectralConv2D) conv.getLayer(0).conf().getLayer())
                .lipschitzBound(conv.getLayer(0).paramTable());
        assertTrue(convBound <= 1.0 && convBound > 1 - 1e-9, "SpectralConv2D bound " + convBound);
    }

    @Test
    void weightsThatCannotBeCertifiedAreRefusedByName() {
        MultiLayerNetwork net = Nets.stack(InputType.feedForward(DIM), 3,
                new GradientFlowDense.Builder().name("blk").nHidden(8).build());
        net.getLayer(0).getParam(GradientFlowDense.WEIGHT_KEY).putScalar(0, 0, Double.NaN);
        String msg = assertThrows(RuntimeException.class, () -> NetworkLipschitz.upperBound(net, 0)).getMessage();
        assertTrue(msg.contains("GradientFlowDense 'blk'"), msg);
    }

    @Test
    void parameterFreeLayersComputeTheirBoundFromTheirOperator() {
        MultiLayerNetwork lift = Nets.stack(InputType.convolutional(4, 4, 2), 3, ChannelEmbedding.lift(5));
        MultiLayerNetwork pool = Nets.stack(InputType.convolutional(4, 4, 2), 3,
                new ScaledAveragePooling2D.Builder().kernelSize(2).build());
        MultiLayerNetwork global = Nets.stack(InputType.convolutional(4, 6, 2), 3,
                new ScaledAveragePooling2D.Builder().global(true).build());
        for (MultiLayerNetwork net : new MultiLayerNetwork[]{lift, pool, global}) {
            double bound = ((ParameterFreeNonExpansiveLayer) net.getLayer(0).conf().getLayer())
                    .lipschitzBound(Map.of());
            assertEquals(1.0, bound, 1e-15, net.getLayer(0).conf().getLayer().getClass().getSimpleName());
        }
    }
}
