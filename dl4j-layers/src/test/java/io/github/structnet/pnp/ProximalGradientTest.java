package io.github.structnet.pnp;

import io.github.structnet.certify.NetworkLipschitz;
import io.github.structnet.lipschitz.ChannelEmbedding;
import io.github.structnet.lipschitz.GradientFlowConv2D;
import io.github.structnet.testutil.Nets;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Proximal gradient and Plug-and-Play: step sizes checked against 2/‖K‖², ISTA's objective decreasing, and the
 * increments of PnP with a certified 1-Lipschitz denoiser never increasing (the averaged-operator property).
 */
class ProximalGradientTest {

    private static final int SIZE = 16;

    private static INDArray image(long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.zeros(DataType.DOUBLE, 1, 1, SIZE, SIZE);
        x.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(4, 12),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(3, 9)).assign(1.0);
        return x.addi(Nd4j.rand(DataType.DOUBLE, 1, 1, SIZE, SIZE).muli(0.2));
    }

    private static BlurOperator blur() {
        return new BlurOperator(BlurKernels.motion(5, 5, 20), 1, SIZE, SIZE);
    }

    @Test
    void stepSizesOutsideTheCertifiedRangeAreRefused() {
        BlurOperator k = blur();
        INDArray y = k.apply(image(1));
        double max = 2 / (k.normBound() * k.normBound());
        for (double step : new double[]{0.0, -0.1, max, 1.5 * max, Double.NaN}) {
            Throwable t = assertThrows(IllegalArgumentException.class,
                    () -> ProximalGradient.builder(k, y).step(step).build());
            assertTrue(t.getMessage().contains("BlurOperator(5x5, 1x16x16)") && t.getMessage().contains("(0, "),
                    t.getMessage());
        }
        assertEquals(0.99 * max, ProximalGradient.builder(k, y).step(0.99 * max).build().step());
        Throwable wrongShape = assertThrows(IllegalArgumentException.class,
                () -> ProximalGradient.builder(k, Nd4j.zeros(DataType.DOUBLE, 1, 3, SIZE, SIZE)));
        assertTrue(wrongShape.getMessage().contains("measurement y"), wrongShape.getMessage());
    }

    @Test
    void haarTransformIsOrthogonal() {
        HaarWavelet haar = new HaarWavelet(3);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 1, 2, 16, 8);
        INDArray c = haar.forward(x);
        assertEquals(x.norm2Number().doubleValue(), c.norm2Number().doubleValue(), 1e-12);
        assertTrue(haar.inverse(c).equalsWithEps(x, 1e-12));
        assertThrows(IllegalArgumentException.class, () -> haar.forward(Nd4j.zeros(DataType.DOUBLE, 1, 1, 12, 8)));
    }

    @Test
    void istaObjectiveDecreasesAndTheReconstructionImproves() {
        BlurOperator k = blur();
        INDArray truth = image(2);
        INDArray y = k.apply(truth).addi(Nd4j.randn(DataType.DOUBLE, 1, 1, SIZE, SIZE).muli(0.02));
        double step = 1 / (k.normBound() * k.normBound());
        ProximalGradient.Reconstruction r = Ista.builder(k, y, 0.01, 2, step).reference(truth)
                .maxIterations(200).tolerance(1e-7).build().solve(y);
        double[] objective = r.history().objectives();
        for (int i = 1; i < objective.length; i++) {
            assertTrue(objective[i] <= objective[i - 1] + 1e-12, "objective rose at " + i + ": " + objective[i - 1]
                    + " -> " + objective[i]);
        }
        assertTrue(ImageQuality.psnr(truth, r.x()) > ImageQuality.psnr(truth, y) + 1.0,
                "ISTA " + ImageQuality.psnr(truth, r.x()) + " dB vs blurred " + ImageQuality.psnr(truth, y));
    }

    @Test
    void pnpWithCertifiedDenoiserHasNonIncreasingIncrements() {
        Nd4j.getRandom().setSeed(9);
        MultiLayerNetwork denoiser = Nets.stack(InputType.convolutional(SIZE, SIZE, 1), 9,
                ChannelEmbedding.lift(4),
                new GradientFlowConv2D.Builder().hiddenChannels(4).build(),
                new GradientFlowConv2D.Builder().hiddenChannels(4).build(),
                ChannelEmbedding.projection(1));
        assertEquals(1.0, NetworkLipschitz.upperBound(denoiser, 3));
        BlurOperator k = blur();
        INDArray y = k.apply(image(3)).addi(Nd4j.randn(DataType.DOUBLE, 1, 1, SIZE, SIZE).muli(0.05));
        ProximalGradient.Reconstruction r = ProximalGradient.builder(k, y).proximal(Denoiser.of(denoiser))
                .step(1.9 / Math.pow(k.normBound(), 2)).maxIterations(60).tolerance(0).build()
                .solve(Nd4j.rand(DataType.DOUBLE, 1, 1, SIZE, SIZE));
        double[] inc = r.history().increments();
        assertEquals(60, inc.length);
        for (int i = 1; i < inc.length; i++) {
            assertTrue(inc[i] <= inc[i - 1] + 1e-9, "increment rose at " + i + ": " + inc[i - 1] + " -> " + inc[i]);
        }
        assertTrue(inc[inc.length - 1] < inc[0], "and they actually shrink");
    }

    @Test
    void denoiserOutputIsChecked() {
        IdentityOperator id = new IdentityOperator(1, 4, 4);
        INDArray y = Nd4j.rand(DataType.DOUBLE, 1, 1, 4, 4);
        INDArray one = ProximalGradient.builder(id, y).step(1.0).maxIterations(1).build().solve(y.mul(0)).x();
        assertTrue(one.equalsWithEps(y, 1e-15), "α = 1 on the identity reaches y in one step");
        Throwable t = assertThrows(IllegalArgumentException.class, () -> ProximalGradient.builder(id, y)
                .proximal(x -> x.dup().putScalar(0, Double.NaN)).build().solve(y));
        assertTrue(t.getMessage().contains("denoiser's output at iteration 0"), t.getMessage());
    }
}
