package io.github.structnet.examples.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads the IDX files of MNIST and Fashion-MNIST (plain or gzipped): images (magic 2051: count, rows, columns,
 * then unsigned bytes) and labels (magic 2049: count, then unsigned bytes).
 */
public final class IdxReader {

    static final int IMAGES_MAGIC = 2051;
    static final int LABELS_MAGIC = 2049;

    private IdxReader() {
    }

    /** Images as [count][rows·cols] in [0, 1]. */
    public static float[][] readImages(Path file) throws IOException {
        try (DataInputStream in = open(file)) {
            int magic = in.readInt();
            if (magic != IMAGES_MAGIC) {
                throw new IOException(file + " is not an IDX image file: magic number " + magic + ", expected "
                        + IMAGES_MAGIC);
            }
            int n = in.readInt();
            int rows = in.readInt();
            int cols = in.readInt();
            if (n < 0 || rows <= 0 || cols <= 0) {
                throw new IOException(file + ": corrupt IDX header (count " + n + ", " + rows + "×" + cols + ")");
            }
            float[][] images = new float[n][rows * cols];
            byte[] buf = new byte[rows * cols];
            for (int i = 0; i < n; i++) {
                readFully(in, buf, file, i);
                for (int j = 0; j < buf.length; j++) {
                    images[i][j] = (buf[j] & 0xFF) / 255f;
                }
            }
            return images;
        }
    }

    /** Labels as ints. */
    public static int[] readLabels(Path file) throws IOException {
        try (DataInputStream in = open(file)) {
            int magic = in.readInt();
            if (magic != LABELS_MAGIC) {
                throw new IOException(file + " is not an IDX label file: magic number " + magic + ", expected "
                        + LABELS_MAGIC);
            }
            int n = in.readInt();
            if (n < 0) {
                throw new IOException(file + ": corrupt IDX header (count " + n + ")");
            }
            byte[] buf = new byte[n];
            readFully(in, buf, file, 0);
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                labels[i] = buf[i] & 0xFF;
            }
            return labels;
        }
    }

    private static void readFully(DataInputStream in, byte[] buf, Path file, int record) throws IOException {
        try {
            in.readFully(buf);
        } catch (EOFException e) {
            throw new IOException(file + " is truncated (ended inside record " + record + ")", e);
        }
    }

    private static DataInputStream open(Path file) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file));
        return new DataInputStream(file.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw);
    }
}
