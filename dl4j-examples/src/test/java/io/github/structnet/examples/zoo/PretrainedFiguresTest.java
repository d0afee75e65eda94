package io.github.structnet.examples.zoo;

import io.github.structnet.examples.data.MnistData;
import io.github.structnet.zoo.CertifiedMnistClassifier;
import io.github.structnet.zoo.ClassifierFigures;
import io.github.structnet.zoo.DenoiserFigures;
import io.github.structnet.zoo.FlowMapFigures;
import io.github.structnet.zoo.LipschitzDenoiser;
import io.github.structnet.zoo.PendulumSympNet;
import io.github.structnet.zoo.ZooWeights;
import org.deeplearning4j.common.resources.DL4JResources;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each pretrained model of the zoo, loaded offline from an empty DL4J cache, reproduces the figures it is shipped
 * with: the classifiers' clean and certified counts on the first test images, the denoiser's PSNR on its held-out
 * crops, the G-SympNet's one-step and energy errors, each bound computed from the loaded weights. Needs the offline
 * MNIST, Fashion-MNIST and scikit-image files (.ci/run fetches them).
 */
class PretrainedFiguresTest {

    @AfterEach
    void restoreCache() {
        DL4JResources.resetBaseDirectoryLocation();
    }

    private static void assertReproduces(CertifiedMnistClassifier.Dataset dataset, MnistData.Kind kind,
                                         ClassifierFigures stated, Path cache) throws IOException {
        DL4JResources.setBaseDirectory(cache.toFile());
        CertifiedMnistClassifier zoo = CertifiedMnistClassifier.builder().dataset(dataset).build();
        MultiLayerNetwork net = (MultiLayerNetwork) zoo.initPretrained();
        DataSet test = MnistData.load(kind, false, null, stated.images());
        ClassifierFigures measured = ZooFigures.classifier(net, zoo.logitsLayer(), test, stated.epsilons());
        assertEquals(stated.bound(), measured.bound(), 0.0, dataset + ": bound");
        assertEquals(stated.clean(), measured.clean(), dataset + ": clean, " + measured);
        assertArrayEquals(stated.certified(), measured.certified(), dataset + ": certified, " + measured);
    }

    @Test
    void certifiedMnistReproducesItsFigures(@TempDir Path cache) throws IOException {
        assertReproduces(CertifiedMnistClassifier.Dataset.MNIST, MnistData.Kind.MNIST,
                ZooWeights.CERTIFIED_MNIST_FIGURES, cache);
    }

    @Test
    void lipschitzDenoiserReproducesItsPsnrAndBound(@TempDir Path cache) throws IOException {
        DL4JResources.setBaseDirectory(cache.toFile());
        MultiLayerNetwork net = (MultiLayerNetwork) LipschitzDenoiser.builder().build().initPretrained();
        DenoiserFigures stated = ZooWeights.LIPSCHITZ_DENOISER_FIGURES;
        DenoiserFigures measured = ZooFigures.denoiser(net, null);
        assertEquals(stated.bound(), measured.bound(), 0.0, "bound at " + stated.size());
        assertTrue(measured.bound() <= 1.0 + 1e-6, "1-Lipschitz: " + measured.bound());
        assertEquals(stated.noisyPsnr(), measured.noisyPsnr(), 1e-9, "the same noisy images");
        assertEquals(stated.denoisedPsnr(), measured.denoisedPsnr(), 1e-4, measured.toString());
        assertTrue(measured.denoisedPsnr() > measured.noisyPsnr() + 5, "denoises: " + measured);
    }

    @Test
    void pendulumSympNetReproducesItsErrors(@TempDir Path cache) throws IOException {
        DL4JResources.setBaseDirectory(cache.toFile());
        MultiLayerNetwork net = (MultiLayerNetwork) PendulumSympNet.builder().build().initPretrained();
        FlowMapFigures stated = ZooWeights.PENDULUM_SYMPNET_FIGURES;
        FlowMapFigures measured = ZooFigures.pendulum(net, PendulumSympNet.STEP);
        assertEquals(stated.oneStepRmse(), measured.oneStepRmse(), 1e-9 * stated.oneStepRmse(), measured.toString());
        assertEquals(stated.maxEnergyError(), measured.maxEnergyError(), 1e-9 * stated.maxEnergyError(),
                measured.toString());
    }

    @Test
    void certifiedFashionMnistReproducesItsFigures(@TempDir Path cache) throws IOException {
        assertReproduces(CertifiedMnistClassifier.Dataset.FASHION_MNIST, MnistData.Kind.FASHION_MNIST,
                ZooWeights.CERTIFIED_FASHION_MNIST_FIGURES, cache);
    }
}
