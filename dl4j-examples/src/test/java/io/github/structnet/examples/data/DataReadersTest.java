package io.github.structnet.examples.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The IDX and CIFAR-10 readers on small generated files: values, shapes, gzip, and clear errors on bad files. */
class DataReadersTest {

    static void writeIdx(Path file, int magic, int[] dims, byte[] data, boolean gzip) throws IOException {
        try (OutputStream raw = Files.newOutputStream(file);
             OutputStream o = gzip ? new GZIPOutputStream(raw) : raw;
             DataOutputStream out = new DataOutputStream(o)) {
            out.writeInt(magic);
            for (int d : dims) {
                out.writeInt(d);
            }
            out.write(data);
        }
    }

    @Test
    void readsIdxFilesPlainAndGzipped(@TempDir Path dir) throws IOException {
        byte[] pixels = new byte[3 * 2 * 2];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i * 20);
        }
        writeIdx(dir.resolve("train-images-idx3-ubyte.gz"), 2051, new int[]{3, 2, 2}, pixels, true);
        writeIdx(dir.resolve("train-labels-idx1-ubyte"), 2049, new int[]{3}, new byte[]{7, 0, 9}, false);
        DataSet ds = MnistData.load(MnistData.Kind.MNIST, true, dir, 0);
        assertArrayEquals(new long[]{3, 4}, ds.getFeatures().shape());
        assertEquals(220 / 255f, ds.getFeatures().getFloat(2, 3), 1e-7);
        assertEquals(7, ds.getLabels().getRow(0).argMax().getInt(0));
        assertEquals(9, ds.getLabels().getRow(2).argMax().getInt(0));
        assertEquals(2, MnistData.load(MnistData.Kind.MNIST, true, dir, 2).numExamples());
    }

    @Test
    void clearErrorsForBadOrMissingFiles(@TempDir Path dir) throws IOException {
        Path absent = dir.resolve("no-such-package");
        String missing = assertThrows(IOException.class, () -> MnistData.load(MnistData.Kind.FASHION_MNIST, false,
                java.util.List.of(dir, absent), false, 0)).getMessage();
        assertTrue(missing.contains(dir + " (no t10k-images-idx3-ubyte[.gz]") && missing.contains(absent
                + " (no such directory)")
                && missing.contains("DL4J offers none for Fashion-MNIST")
                && missing.contains("apt-get install dataset-fashion-mnist"), missing);
        writeIdx(dir.resolve("t10k-images-idx3-ubyte"), 1234, new int[]{1, 1, 1}, new byte[]{0}, false);
        writeIdx(dir.resolve("t10k-labels-idx1-ubyte"), 2049, new int[]{1}, new byte[]{0}, false);
        String magic = assertThrows(IOException.class, () -> MnistData.load(MnistData.Kind.MNIST, false, dir, 0))
                .getMessage();
        assertTrue(magic.contains("magic number 1234"), magic);
        writeIdx(dir.resolve("t10k-images-idx3-ubyte"), 2051, new int[]{2, 2, 2}, new byte[5], false);
        String truncated = assertThrows(IOException.class, () -> MnistData.load(MnistData.Kind.MNIST, false, dir, 0))
                .getMessage();
        assertTrue(truncated.contains("truncated"), truncated);
    }

    @Test
    void readsCifar10Batches(@TempDir Path dir) throws IOException {
        byte[] file = new byte[2 * Cifar10Reader.RECORD];
        file[0] = 3;
        file[1] = (byte) 255;                      // red, pixel (0, 0) of record 0
        file[Cifar10Reader.RECORD] = 8;
        file[Cifar10Reader.RECORD + 1 + 2048 + 33] = (byte) 51; // blue, pixel (1, 1) of record 1
        Path batch = dir.resolve("data_batch_1.bin");
        Files.write(batch, file);
        DataSet ds = Cifar10Reader.read(batch);
        assertArrayEquals(new long[]{2, 3, 32, 32}, ds.getFeatures().shape());
        assertEquals(1f, ds.getFeatures().getFloat(0, 0, 0, 0), 1e-7);
        assertEquals(51 / 255f, ds.getFeatures().getFloat(1, 2, 1, 1), 1e-7);
        assertEquals(3, ds.getLabels().getRow(0).argMax().getInt(0));
        assertEquals(8, ds.getLabels().getRow(1).argMax().getInt(0));
        Files.write(batch, new byte[100]);
        assertTrue(assertThrows(IOException.class, () -> Cifar10Reader.read(batch)).getMessage().contains("3073"));
    }
}
