package io.github.structnet.keras;

import io.github.structnet.testutil.LipschitzProbe;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * deel-lip models in Keras 2 HDF5 files (written by src/test/python/write_deel_lip_models.py with h5py, reference
 * outputs computed there in numpy from the same weights) import through DL4J's KerasModelImport, reproduce the
 * reference to 1e-5, and get a computed bound that no adversarially searched pair exceeds.
 */
class DeelLipImportTest {

    private static Path resource(String name) {
        try {
            return Path.of(DeelLipImportTest.class.getResource("/keras/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static INDArray npy(String name) {
        return Nd4j.createFromNpyFile(new File(resource(name).toString()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"deel-lip-dense", "deel-lip-dense-recomputed", "deel-lip-conv", "deel-lip-pooling",
        "deel-lip-global-average", "deel-lip-vanilla"})
    void importedModelReproducesReferenceAndIsCertified(String model) throws IOException {
        ImportedNetwork imported = DeelLipImport.importSequential(resource(model + ".h5"));
        MultiLayerNetwork net = imported.network();
        INDArray x = npy(model + "-input.npy");
        INDArray expected = npy(model + "-output.npy");
        INDArray y = net.output(x.castTo(net.getLayerWiseConfigurations().getDataType()));
        assertArrayEquals(expected.shape(), y.shape(), model);
        double error = y.castTo(DataType.DOUBLE).sub(expected.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        assertTrue(error <= 1e-5, model + ": max |imported − reference| = " + error);

        MultiLayerNetwork exact = net.convertDataType(DataType.DOUBLE);
        double bound = new ImportedNetwork(exact, imported.inputType()).certifiedBound();
        long[] exampleShape = Arrays.copyOfRange(x.shape(), 1, x.rank());
        double ratio = LipschitzProbe.maxAdversarialPairRatio(exact, exampleShape, 8, 60, 3);
        System.out.printf("%s: %d layers, max |Δ| = %.2e, bound %.6f, adversarial pair ratio %.6f%n", model,
                net.getnLayers(), error, bound, ratio);
        assertTrue(Double.isFinite(bound) && ratio <= bound * (1 + 1e-9), model + ": pair ratio " + ratio
                + " above the bound " + bound);
    }

    @Test
    void functionalModelImportsAsGraphAndIsCertified() throws IOException {
        ImportedGraph imported = DeelLipImport.importFunctional(resource("deel-lip-functional.h5"));
        ComputationGraph graph = imported.graph();
        INDArray x = npy("deel-lip-functional-input.npy");
        INDArray expected = npy("deel-lip-functional-output.npy");
        INDArray y = graph.outputSingle(x);
        double error = y.castTo(DataType.DOUBLE).sub(expected.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        assertTrue(error <= 1e-5, "max |imported − reference| = " + error);
        String output = graph.getConfiguration().getNetworkOutputs().get(0);
        ComputationGraph exact = graph.convertDataType(DataType.DOUBLE);
        double bound = new ImportedGraph(exact, imported.inputTypes()).certifiedBound(output);
        double ratio = LipschitzProbe.maxRandomPairRatio(in -> exact.outputSingle(in), 8, 2000, 5);
        System.out.printf("deel-lip-functional: max |Δ| = %.2e, bound %.6f (two branches concatenated: at most √2),"
                + " random pair ratio %.6f%n", error, bound, ratio);
        assertTrue(ratio <= bound * (1 + 1e-9) && bound <= Math.sqrt(2) * 1.001, "ratio " + ratio + ", bound " + bound);
    }

    @Test
    void unsupportedLayersAndBadFilesAreRefusedWithTheirNames(@org.junit.jupiter.api.io.TempDir Path dir)
            throws IOException {
        Throwable missing = assertThrows(IOException.class, () -> DeelLipImport.importSequential(dir.resolve("no.h5")));
        assertTrue(missing.getMessage().contains("no.h5"), missing.getMessage());
        Path truncated = dir.resolve("truncated.h5");
        byte[] full = Files.readAllBytes(resource("deel-lip-dense.h5"));
        Files.write(truncated, Arrays.copyOf(full, full.length / 2));
        Throwable cut = assertThrows(IOException.class, () -> DeelLipImport.importSequential(truncated));
        assertTrue(cut.getMessage().contains("truncated.h5"), cut.getMessage());
        Throwable unsupported = assertThrows(IOException.class,
                () -> DeelLipImport.importSequential(resource("deel-lip-unsupported.h5")));
        assertTrue(unsupported.getMessage().contains("deel-lip-unsupported.h5")
                && unsupported.getMessage().contains("Householder")
                && unsupported.getMessage().contains("supported here: SpectralDense"), unsupported.getMessage());
    }
}
