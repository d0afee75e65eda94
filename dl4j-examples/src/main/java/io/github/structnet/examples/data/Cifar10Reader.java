package io.github.structnet.examples.data;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads the CIFAR-10 binary format ({@code data_batch_1.bin} … {@code test_batch.bin}): records of 1 label byte
 * (0–9) followed by 3072 pixel bytes, 1024 red, 1024 green, 1024 blue, each 32×32 in row order. CIFAR-10 is in no
 * registry reachable offline; point this reader at files you have.
 */
public final class Cifar10Reader {

    static final int RECORD = 1 + 3 * 32 * 32;

    private Cifar10Reader() {
    }

    /** Features [n, 3, 32, 32] in [0, 1] (NCHW, float), one-hot labels [n, 10]. */
    public static DataSet read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length == 0 || bytes.length % RECORD != 0) {
            throw new IOException(file + " is not a CIFAR-10 binary batch: " + bytes.length
                    + " bytes is not a positive multiple of the record size " + RECORD);
        }
        int n = bytes.length / RECORD;
        float[] pixels = new float[n * (RECORD - 1)];
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, 10);
        for (int i = 0; i < n; i++) {
            int label = bytes[i * RECORD] & 0xFF;
            if (label > 9) {
                throw new IOException(file + ": record " + i + " has label " + label + "; CIFAR-10 labels are 0…9");
            }
            y.putScalar(i, label, 1f);
            for (int j = 0; j < RECORD - 1; j++) {
                pixels[i * (RECORD - 1) + j] = (bytes[i * RECORD + 1 + j] & 0xFF) / 255f;
            }
        }
        INDArray x = Nd4j.createFromArray(pixels).reshape(n, 3, 32, 32);
        return new DataSet(x, y);
    }
}
