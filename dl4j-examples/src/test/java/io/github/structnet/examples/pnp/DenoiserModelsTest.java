package io.github.structnet.examples.pnp;

import io.github.structnet.certify.NetworkLipschitz;
import io.github.structnet.lipschitz.InputSizes;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Both denoisers train, survive a ModelSerializer round trip bit for bit, and the certified one keeps its bound of 1
 * after reload at another image size; a corrupted model file is refused.
 */
class DenoiserModelsTest {

    @Test
    void denoisersRoundTripAndTheCertifiedOneStaysCertified(@TempDir Path dir) throws IOException {
        Nd4j.getRandom().setSeed(1);
        List<INDArray> images = List.of(Nd4j.rand(DataType.DOUBLE, 1, 1, 20, 24));
        MultiLayerNetwork lip = DenoiserModels.lipschitz(4, 4, 2, 12, 1e-2, 5, 3);
        ComputationGraph cnn = DenoiserModels.dncnn(4, 3, 1e-2, 5, 3);
        PatchTraining.train(lip, images, 5, 4, 12, 0.1, 3, "test");
        PatchTraining.train(cnn, images, 5, 4, 12, 0.1, 3, "test");

        File lipFile = dir.resolve("lip.zip").toFile();
        File cnnFile = dir.resolve("cnn.zip").toFile();
        ModelSerializer.writeModel(lip, lipFile, true);
        ModelSerializer.writeModel(cnn, cnnFile, true);
        MultiLayerNetwork lipBack = ModelSerializer.restoreMultiLayerNetwork(lipFile, true);
        ComputationGraph cnnBack = ModelSerializer.restoreComputationGraph(cnnFile, true);
        INDArray patch = Nd4j.rand(DataType.FLOAT, 2, 1, 12, 12);
        assertEquals(lip.output(patch), lipBack.output(patch));
        INDArray image = Nd4j.rand(DataType.FLOAT, 1, 1, 20, 24);
        assertEquals(cnn.outputSingle(image), cnnBack.outputSingle(image), "DnCNN applies at any size");

        MultiLayerNetwork atImageSize = InputSizes.resize(lipBack, InputType.convolutional(20, 24, 1));
        assertEquals(1.0, NetworkLipschitz.upperBound(atImageSize, atImageSize.getnLayers() - 2));
        INDArray other = image.add(Nd4j.randn(DataType.FLOAT, 1, 1, 20, 24).muli(0.05f));
        double ratio = atImageSize.output(image).sub(atImageSize.output(other)).norm2Number().doubleValue()
                / image.sub(other).norm2Number().doubleValue();
        assertTrue(ratio <= 1.0 + 1e-5, "ratio " + ratio);

        java.nio.file.Files.write(dir.resolve("broken.zip"), new byte[]{1, 2, 3});
        assertThrows(Exception.class, () -> ModelSerializer.restoreMultiLayerNetwork(dir.resolve("broken.zip")
                .toFile()));
    }
}
