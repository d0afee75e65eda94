package io.github.structnet.examples.zoo;

import io.github.structnet.examples.data.MnistData;
import io.github.structnet.zoo.CertifiedMnistClassifier;
import io.github.structnet.zoo.ClassifierFigures;
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

/**
 * Each pretrained classifier of the zoo, loaded offline from an empty DL4J cache, reproduces the figures it is
 * shipped with (clean and certified counts on the first test images, the bound computed from its weights).
 * Needs the offline MNIST and Fashion-MNIST files (.ci/run fetches them).
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
        ClassifierFigures measured = ExportZooWeights.figures(net, zoo.logitsLayer(), test, stated.epsilons());
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
    void certifiedFashionMnistReproducesItsFigures(@TempDir Path cache) throws IOException {
        assertReproduces(CertifiedMnistClassifier.Dataset.FASHION_MNIST, MnistData.Kind.FASHION_MNIST,
                ZooWeights.CERTIFIED_FASHION_MNIST_FIGURES, cache);
    }
}
