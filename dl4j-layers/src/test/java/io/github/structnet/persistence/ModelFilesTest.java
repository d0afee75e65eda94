package io.github.structnet.persistence;

import io.github.structnet.lipschitz.GradientFlowDense;
import io.github.structnet.lipschitz.SpectralDense;
import io.github.structnet.testutil.Nets;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.Random;
import java.util.function.BiFunction;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ModelFiles}: bitwise round trips (its own files and DL4J's); truncated files at five lengths, 60 single-bit
 * flips, a missing entry, a newer format and an unknown layer class each give a {@link ModelFileException} naming the
 * file and the problem — or, for a flip that touches nothing the model is made of, the identical model, never a
 * different one; an interrupted save leaves the previous file byte for byte and no temporary file.
 */
class ModelFilesTest {

    private static MultiLayerNetwork network() {
        MultiLayerNetwork net = Nets.stack(InputType.feedForward(4), 3, new SpectralDense.Builder().nOut(6).build(),
                new GradientFlowDense.Builder().nHidden(8).build(), Nets.mseOutput(2));
        Nd4j.getRandom().setSeed(1);
        net.fit(Nd4j.randn(DataType.DOUBLE, 8, 4), Nd4j.randn(DataType.DOUBLE, 8, 2));
        return net;
    }

    @Test
    void roundTripsAreBitwiseForItsOwnFilesAndDl4js(@TempDir File dir) throws Exception {
        MultiLayerNetwork net = network();
        File own = new File(dir, "model.zip");
        ModelFiles.save(net, own, true);
        File plain = new File(dir, "plain.zip");
        ModelSerializer.writeModel(net, plain, true);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 5, 4);
        for (File f : new File[]{own, plain}) {
            MultiLayerNetwork back = ModelFiles.restoreMultiLayerNetwork(f, true);
            assertArrayEquals(net.params().data().asDouble(), back.params().data().asDouble(), 0.0, f.getName());
            assertArrayEquals(net.output(x).data().asDouble(), back.output(x).data().asDouble(), 0.0, f.getName());
        }
        assertTrue(new ZipFile(own).getEntry(ModelFiles.MARKER) != null);
    }

    @Test
    void truncatedFilesAreNamed(@TempDir File dir) throws Exception {
        File good = new File(dir, "model.zip");
        ModelFiles.save(network(), good, true);
        byte[] bytes = Files.readAllBytes(good.toPath());
        for (int length : new int[]{0, bytes.length / 10, bytes.length / 2, bytes.length * 9 / 10, bytes.length - 1}) {
            File cut = new File(dir, "cut-" + length + ".zip");
            Files.write(cut.toPath(), Arrays.copyOf(bytes, length));
            ModelFileException e = assertThrows(ModelFileException.class,
                    () -> ModelFiles.restoreMultiLayerNetwork(cut, true), "length " + length);
            assertTrue(e.getMessage().contains(cut.getPath()), e.getMessage());
            assertEquals(cut, e.file());
        }
    }

    @Test
    void flippedBitsGiveANamedErrorOrTheSameModelNeverAnotherOne(@TempDir File dir) throws Exception {
        MultiLayerNetwork net = network();
        File good = new File(dir, "model.zip");
        ModelFiles.save(net, good, true);
        byte[] bytes = Files.readAllBytes(good.toPath());
        Random random = new Random(9);
        int refused = 0;
        for (int k = 0; k < 60; k++) {
            byte[] flipped = bytes.clone();
            int position = random.nextInt(bytes.length);
            flipped[position] ^= (byte) (1 << random.nextInt(8));
            File damaged = new File(dir, "flip-" + k + ".zip");
            Files.write(damaged.toPath(), flipped);
            try {
                MultiLayerNetwork back = ModelFiles.restoreMultiLayerNetwork(damaged, true);
                assertArrayEquals(net.params().data().asDouble(), back.params().data().asDouble(), 0.0,
                        "a flip at byte " + position + " loaded different parameters");
                assertEquals(net.getLayerWiseConfigurations().toJson(), back.getLayerWiseConfigurations().toJson(),
                        "a flip at byte " + position + " loaded a different configuration");
            } catch (ModelFileException e) {
                refused++;
                assertTrue(e.getMessage().contains(damaged.getPath()), e.getMessage());
            }
        }
        assertTrue(refused >= 40, "only " + refused + " of 60 flips were detected");
    }

    @Test
    void missingEntriesNewerFormatsAndUnknownLayersAreNamed(@TempDir File dir) throws Exception {
        File good = new File(dir, "model.zip");
        ModelFiles.save(network(), good, true);
        File missing = rewrite(good, new File(dir, "missing.zip"), (name, data) -> name.equals("coefficients.bin")
                ? null : data);
        assertMessage(missing, "no 'coefficients.bin' entry");
        File newer = rewrite(good, new File(dir, "newer.zip"), (name, data) -> name.equals(ModelFiles.MARKER)
                ? "format=2\nversion=9.0.0\n".getBytes(StandardCharsets.UTF_8) : data);
        assertMessage(newer, "file format 2 by StructNet 9.0.0");
        File unknown = rewrite(good, new File(dir, "unknown.zip"), (name, data) -> name.equals("configuration.json")
                ? new String(data, StandardCharsets.UTF_8).replace("lipschitz.GradientFlowDense",
                "lipschitz.GradientFlowDenseV9").getBytes(StandardCharsets.UTF_8) : data);
        assertMessage(unknown, "GradientFlowDenseV9");
        assertMessage(new File(dir, "absent.zip"), "does not exist");
    }

    private static void assertMessage(File file, String expected) {
        ModelFileException e = assertThrows(ModelFileException.class,
                () -> ModelFiles.restoreMultiLayerNetwork(file, true));
        assertTrue(e.getMessage().contains(file.getPath()) && e.getMessage().contains(expected), e.getMessage());
    }

    /** A copy of a zip with each entry's data replaced (null: entry dropped). */
    private static File rewrite(File in, File out, BiFunction<String, byte[], byte[]> change) throws IOException {
        try (ZipFile zip = new ZipFile(in); OutputStream file = Files.newOutputStream(out.toPath());
             ZipOutputStream zipOut = new ZipOutputStream(file)) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry entry = entries.nextElement();
                byte[] data;
                try (InputStream s = zip.getInputStream(entry)) {
                    data = change.apply(entry.getName(), s.readAllBytes());
                }
                if (data != null) {
                    zipOut.putNextEntry(new ZipEntry(entry.getName()));
                    zipOut.write(data);
                    zipOut.closeEntry();
                }
            }
        }
        return out;
    }

    @Test
    void anInterruptedSaveLeavesThePreviousFileAndNoTemporaryFile(@TempDir File dir) throws Exception {
        MultiLayerNetwork net = network();
        File target = new File(dir, "model.zip");
        ModelFiles.save(net, target, true);
        byte[] before = Files.readAllBytes(target.toPath());
        MultiLayerNetwork failing = new MultiLayerNetwork(net.getLayerWiseConfigurations().clone()) {
            @Override
            public INDArray params() {
                throw new IllegalStateException("disk full");
            }
        };
        failing.init();
        ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFiles.save(failing, target, true));
        assertTrue(e.getMessage().contains(target.getPath()) && e.getMessage().contains("disk full"),
                e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(target.toPath()), "the previous file was changed");
        assertArrayEquals(new String[]{"model.zip"}, dir.list(), "files left behind");
    }
}
