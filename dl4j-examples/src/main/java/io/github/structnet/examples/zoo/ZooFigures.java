package io.github.structnet.examples.zoo;

import io.github.structnet.certify.EnergyDrift;
import io.github.structnet.certify.MarginCertificate;
import io.github.structnet.certify.NetworkLipschitz;
import io.github.structnet.examples.common.CertifiedReport;
import io.github.structnet.examples.data.NaturalImages;
import io.github.structnet.examples.dynamics.FlowMapLearning;
import io.github.structnet.examples.dynamics.HamiltonianSystem;
import io.github.structnet.pnp.Denoiser;
import io.github.structnet.pnp.ImageQuality;
import io.github.structnet.zoo.CertifiedMnistClassifier;
import io.github.structnet.zoo.ClassifierFigures;
import io.github.structnet.zoo.DenoiserFigures;
import io.github.structnet.zoo.FlowMapFigures;
import io.github.structnet.zoo.LipschitzDenoiser;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The figures each zoo model is shipped with, measured on a trained network: by {@link ExportZooWeights} when the
 * weights are exported, and again by the tests from the weights loaded out of the zoo.
 */
public final class ZooFigures {

    /** The denoiser's held-out crops: 128×128 of camera and coins downscaled 2×, noise 25/255 (seed 8). */
    public static final int DENOISER_SIZE = 128;
    public static final double DENOISER_NOISE_LEVEL = 25;
    public static final long DENOISER_NOISE_SEED = 8;
    /** The flow map's held-out states and rollout. */
    public static final int FLOW_MAP_STATES = 500;
    public static final long FLOW_MAP_SEED = 8;
    public static final int FLOW_MAP_ROLLOUT = 1000;

    private ZooFigures() {
    }

    /** Clean and certified counts of a classifier on a test set, with the bound computed from its weights. */
    public static ClassifierFigures classifier(MultiLayerNetwork net, int logitsLayer, DataSet test,
                                               double[] epsilons) {
        double bound = NetworkLipschitz.upperBound(net, logitsLayer, CertifiedMnistClassifier.INPUT);
        INDArray logits = CertifiedReport.logits(net, logitsLayer, test.getFeatures());
        double[] radii = MarginCertificate.radii(logits, test.getLabels(), bound);
        int n = test.numExamples();
        int clean = (int) Math.round(MarginCertificate.certifiedAccuracy(radii, 0.0) * n);
        int[] certified = new int[epsilons.length];
        for (int i = 0; i < epsilons.length; i++) {
            certified[i] = (int) Math.round(MarginCertificate.certifiedAccuracy(radii, epsilons[i]) * n);
        }
        return new ClassifierFigures(n, clean, epsilons.clone(), certified, bound);
    }

    /**
     * Mean PSNR of the noisy and denoised held-out crops and the bound at their size; {@code imageDir} holds the
     * scikit-image samples (null: the usual places, see {@link NaturalImages#skimageDirectory}).
     */
    public static DenoiserFigures denoiser(MultiLayerNetwork trained, Path imageDir) throws IOException {
        MultiLayerNetwork net = LipschitzDenoiser.atSize(trained, DENOISER_SIZE, DENOISER_SIZE);
        double bound = NetworkLipschitz.upperBound(net, net.getnLayers() - 2);
        Denoiser denoiser = Denoiser.of(net);
        List<NaturalImages.Image> images = NaturalImages.load(NaturalImages.skimageDirectory(imageDir),
                NaturalImages.TEST);
        Nd4j.getRandom().setSeed(DENOISER_NOISE_SEED);
        double noisy = 0;
        double denoised = 0;
        for (NaturalImages.Image img : images) {
            INDArray clean = NaturalImages.centreCrop(NaturalImages.downscale(img.pixels(), 2), DENOISER_SIZE,
                    DENOISER_SIZE);
            INDArray y = clean.add(Nd4j.randn(DataType.DOUBLE, clean.shape()).muli(DENOISER_NOISE_LEVEL / 255));
            noisy += ImageQuality.psnr(clean, y) / images.size();
            denoised += ImageQuality.psnr(clean, denoiser.apply(y)) / images.size();
        }
        return new DenoiserFigures(DENOISER_SIZE, DENOISER_NOISE_LEVEL, DENOISER_NOISE_SEED, noisy, denoised, bound);
    }

    /** One-step RMSE on held-out pendulum states and the largest energy error of a rollout from (1, 0). */
    public static FlowMapFigures pendulum(MultiLayerNetwork net, double h) {
        HamiltonianSystem pendulum = HamiltonianSystem.PENDULUM;
        INDArray x = pendulum.sampleStates(FLOW_MAP_STATES, FlowMapLearning.PENDULUM_MIN_ENERGY,
                FlowMapLearning.PENDULUM_MAX_ENERGY, FLOW_MAP_SEED);
        double rmse = FlowMapLearning.oneStepRmse(net, x, pendulum.flow(x, h, FlowMapLearning.SUBSTEPS));
        List<INDArray> states = FlowMapLearning.rollout(net, Nd4j.create(new double[][]{{1.0, 0.0}}),
                FLOW_MAP_ROLLOUT);
        double[] errors = EnergyDrift.errors(states, v -> pendulum.energy(v).getDouble(0));
        double max = 0;
        for (double e : errors) {
            max = Math.max(max, e);
        }
        return new FlowMapFigures(FLOW_MAP_STATES, FLOW_MAP_SEED, rmse, FLOW_MAP_ROLLOUT, max);
    }
}
