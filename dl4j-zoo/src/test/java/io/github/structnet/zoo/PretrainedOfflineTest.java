package io.github.structnet.zoo;

import io.github.structnet.certify.NetworkLipschitz;
import io.github.structnet.certify.Symplecticity;
import org.deeplearning4j.common.resources.DL4JResources;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.deeplearning4j.zoo.PretrainedType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pretrained zoo models load from the jar with an empty DL4J cache directory (no network: the weights' URL is a
 * file: or jar: URL), land verified in DL4J's cache, equal the shipped file's parameters, and certify from their
 * loaded weights; a damaged cached file or resource is refused with its name and both checksums, and nothing
 * half-written is left in the cache.
 */
class PretrainedOfflineTest {

    @TempDir
    Path cache;

    @BeforeEach
    void emptyCache() {
        DL4JResources.setBaseDirectory(cache.toFile());
    }

    @AfterEach
    void restoreCache() {
        DL4JResources.resetBaseDirectoryLocation();
    }

    private static MultiLayerNetwork shipped(PretrainedWeights w) throws IOException {
        try (InputStream in = PretrainedWeights.class.getResourceAsStream(w.resource())) {
            return ModelSerializer.restoreMultiLayerNetwork(in, false);
        }
    }

    @Test
    void certifiedMnistLoadsOfflineIntoDl4jsCacheAndCertifies() throws IOException {
        CertifiedMnistClassifier zoo = CertifiedMnistClassifier.builder().build();
        assertTrue(zoo.pretrainedAvailable(PretrainedType.MNIST));
        assertTrue(zoo.pretrainedUrl(PretrainedType.MNIST).matches("^(file|jar):.*"),
                zoo.pretrainedUrl(PretrainedType.MNIST));
        MultiLayerNetwork net = (MultiLayerNetwork) zoo.initPretrained();
        File cached = cache.resolve("models").resolve(zoo.modelName()).resolve("certified-mnist.zip").toFile();
        assertTrue(cached.isFile(), "in DL4J's zoo cache: " + cached);
        assertEquals(ZooWeights.CERTIFIED_MNIST.sha256(), WeightsCache.sha256(cached.toPath()));
        assertArrayEquals(shipped(ZooWeights.CERTIFIED_MNIST).params().data().asFloat(), net.params().data().asFloat());
        double bound = NetworkLipschitz.upperBound(net, zoo.logitsLayer(), CertifiedMnistClassifier.INPUT);
        assertEquals(ZooWeights.CERTIFIED_MNIST_FIGURES.bound(), bound, 0.0, "the stated bound, recomputed");
        assertTrue(bound <= 1.0 + 1e-6, "1-Lipschitz up to the logits: " + bound);
        assertEquals(zoo.conf().getConfs().size(), net.getnLayers());
        MultiLayerNetwork again = (MultiLayerNetwork) zoo.initPretrained();
        assertArrayEquals(net.params().data().asFloat(), again.params().data().asFloat(), "second load from cache");
    }

    @Test
    void certifiedFashionMnistLoadsOfflineUnderItsOwnName() throws IOException {
        CertifiedMnistClassifier zoo = CertifiedMnistClassifier.builder()
                .dataset(CertifiedMnistClassifier.Dataset.FASHION_MNIST).build();
        MultiLayerNetwork net = (MultiLayerNetwork) zoo.initPretrained();
        Path cached = cache.resolve("models").resolve("structnet-certified-fashion-mnist")
                .resolve("certified-fashion-mnist.zip");
        assertEquals(ZooWeights.CERTIFIED_FASHION_MNIST.sha256(), WeightsCache.sha256(cached));
        assertArrayEquals(shipped(ZooWeights.CERTIFIED_FASHION_MNIST).params().data().asFloat(),
                net.params().data().asFloat());
        assertEquals(ZooWeights.CERTIFIED_FASHION_MNIST_FIGURES.bound(),
                NetworkLipschitz.upperBound(net, zoo.logitsLayer(), CertifiedMnistClassifier.INPUT), 0.0);
    }

    @Test
    void lipschitzDenoiserLoadsOfflineAndIsOneLipschitzAtEverySize() throws IOException {
        LipschitzDenoiser zoo = LipschitzDenoiser.builder().build();
        MultiLayerNetwork net = (MultiLayerNetwork) zoo.initPretrained();
        Path cached = cache.resolve("models").resolve(zoo.modelName()).resolve("lipschitz-denoiser.zip");
        assertEquals(ZooWeights.LIPSCHITZ_DENOISER.sha256(), WeightsCache.sha256(cached));
        assertArrayEquals(shipped(ZooWeights.LIPSCHITZ_DENOISER).params().data().asFloat(),
                net.params().data().asFloat());
        assertTrue(NetworkLipschitz.upperBound(net, zoo.denoiserOutputLayer()) <= 1.0 + 1e-6, "at 40x40");
        MultiLayerNetwork other = zoo.initPretrained(24, 36);
        double bound = NetworkLipschitz.upperBound(other, zoo.denoiserOutputLayer());
        assertTrue(bound <= 1.0 + 1e-6, "at 24x36: " + bound);
        INDArray noisy = Nd4j.rand(DataType.FLOAT, 1, 1, 24, 36);
        assertArrayEquals(new long[]{1, 1, 24, 36}, other.output(noisy).shape());
    }

    @Test
    void pendulumSympNetLoadsOfflineAndIsSymplectic() throws IOException {
        PendulumSympNet zoo = PendulumSympNet.builder().build();
        MultiLayerNetwork net = (MultiLayerNetwork) zoo.initPretrained();
        Path cached = cache.resolve("models").resolve(zoo.modelName()).resolve("pendulum-sympnet.zip");
        assertEquals(ZooWeights.PENDULUM_SYMPNET.sha256(), WeightsCache.sha256(cached));
        assertArrayEquals(shipped(ZooWeights.PENDULUM_SYMPNET).params().data().asDouble(),
                net.params().data().asDouble());
        for (double[] state : new double[][]{{1.0, 0.0}, {-2.0, 0.7}, {0.3, -1.1}}) {
            double defect = Symplecticity.defect(x -> net.output(x), Nd4j.create(new double[][]{state}));
            assertTrue(defect < 1e-8, "J^T Ω J = Ω at " + java.util.Arrays.toString(state) + ": defect " + defect);
        }
    }

    @Test
    void damagedCachedFileIsRefusedWithBothChecksumsAndReinstalledNextTime() throws IOException {
        CertifiedMnistClassifier zoo = CertifiedMnistClassifier.builder().build();
        zoo.initPretrained();
        Path cached = cache.resolve("models").resolve(zoo.modelName()).resolve("certified-mnist.zip");
        byte[] bytes = Files.readAllBytes(cached);
        Files.write(cached, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        IOException e = assertThrows(IOException.class, zoo::initPretrained);
        assertTrue(e.getMessage().contains(cached.toString()) && e.getMessage().contains(ZooWeights.CERTIFIED_MNIST
                .sha256()) && e.getMessage().contains(WeightsCache.sha256Of(java.util.Arrays.copyOf(bytes,
                bytes.length / 2))), e.getMessage());
        assertFalse(Files.exists(cached), "the damaged file is removed");
        zoo.initPretrained();
        assertEquals(ZooWeights.CERTIFIED_MNIST.sha256(), WeightsCache.sha256(cached));
    }

    @Test
    void damagedResourceInstallsNothing() throws IOException {
        PretrainedWeights wrong = new PretrainedWeights(ZooWeights.CERTIFIED_MNIST.resource(),
                "0".repeat(64), ZooWeights.CERTIFIED_MNIST.adler32());
        IOException e = assertThrows(IOException.class, () -> WeightsCache.install("damaged-model", wrong));
        assertTrue(e.getMessage().contains(wrong.resource()) && e.getMessage().contains("0".repeat(64))
                && e.getMessage().contains(ZooWeights.CERTIFIED_MNIST.sha256()), e.getMessage());
        try (var files = Files.list(cache.resolve("models").resolve("damaged-model"))) {
            assertEquals(0, files.count(), "nothing left in the cache directory");
        }
    }

    @Test
    void unsupportedShapesAndTypesAreRefusedByName() {
        CertifiedMnistClassifier zoo = CertifiedMnistClassifier.builder().build();
        Throwable shape = assertThrows(IllegalArgumentException.class,
                () -> zoo.setInputShape(new int[][]{{3, 32, 32}}));
        assertTrue(shape.getMessage().contains("structnet-certified-mnist") && shape.getMessage().contains("32"),
                shape.getMessage());
        Throwable type = assertThrows(UnsupportedOperationException.class,
                () -> zoo.initPretrained(PretrainedType.IMAGENET));
        assertTrue(type.getMessage().contains("IMAGENET") && type.getMessage().contains("MNIST"), type.getMessage());
        assertFalse(CertifiedMnistClassifier.builder().hidden(8).build().pretrainedAvailable(PretrainedType.MNIST),
                "other sizes have no pretrained weights");
        assertFalse(LipschitzDenoiser.builder().blocks(2).build().pretrainedAvailable(PretrainedType.IMAGENET));
        Throwable patch = assertThrows(IllegalArgumentException.class,
                () -> LipschitzDenoiser.builder().build().setInputShape(new int[][]{{3, 40, 40}}));
        assertTrue(patch.getMessage().contains("structnet-lipschitz-denoiser") && patch.getMessage().contains("atSize"),
                patch.getMessage());
        Throwable width = assertThrows(IllegalArgumentException.class, () -> PendulumSympNet.builder().width(0));
        assertTrue(width.getMessage().contains("PendulumSympNet") && width.getMessage().contains("width")
                && width.getMessage().contains("0"), width.getMessage());
    }
}
