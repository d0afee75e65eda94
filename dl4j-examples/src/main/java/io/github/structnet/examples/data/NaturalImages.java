package io.github.structnet.examples.data;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Grayscale natural images in [0, 1] as [1, 1, H, W] arrays, from any directory of PNG/JPEG files or from the
 * CC0 / public-domain sample images of scikit-image (Debian {@code python3-skimage}, extracted without installing:
 * {@value #SKIMAGE_HINT}).
 */
public final class NaturalImages {

    public static final String SKIMAGE_HINT = "mkdir -p ~/.structnet/skimage && cd ~/.structnet/skimage && apt-get"
            + " download python3-skimage && dpkg-deb -x python3-skimage_*.deb .";
    private static final String SKIMAGE_DATA = "usr/lib/python3/dist-packages/skimage/data";
    public static final Path EXTRACTED = Paths.get(System.getProperty("user.home"), ".structnet", "skimage",
            SKIMAGE_DATA);
    public static final Path INSTALLED = Paths.get("/", SKIMAGE_DATA);

    /** Training images from scikit-image (natural photographs and textures). */
    public static final List<String> TRAIN = List.of("astronaut.png", "brick.png", "chelsea.png", "coffee.png",
            "grass.png", "gravel.png", "hubble_deep_field.jpg", "ihc.png", "moon.png", "motorcycle_left.png",
            "page.png", "rocket.jpg", "text.png");
    /** Held-out test images: never seen in training. */
    public static final List<String> TEST = List.of("camera.png", "coins.png");

    private NaturalImages() {
    }

    /** A named image [1, 1, H, W], values in [0, 1]. */
    public record Image(String name, INDArray pixels) {
        public long height() {
            return pixels.size(2);
        }

        public long width() {
            return pixels.size(3);
        }
    }

    /**
     * The directory holding the scikit-image samples: {@code directory} when given, then {@link #EXTRACTED}, then
     * {@link #INSTALLED}.
     *
     * @throws IOException naming every place searched and how to get the files offline
     */
    public static Path skimageDirectory(Path directory) throws IOException {
        List<Path> places = new ArrayList<>();
        if (directory != null) {
            places.add(directory);
        }
        places.add(EXTRACTED);
        places.add(INSTALLED);
        return firstWithSamples(places);
    }

    /** The first of {@code places} holding the scikit-image samples, or an error listing them all. */
    static Path firstWithSamples(List<Path> places) throws IOException {
        List<String> tried = new ArrayList<>();
        for (Path p : places) {
            if (Files.isRegularFile(p.resolve(TEST.get(0)))) {
                return p;
            }
            tried.add(p + (Files.isDirectory(p) ? " (no " + TEST.get(0) + ")" : " (no such directory)"));
        }
        throw new IOException("scikit-image sample images not found. Searched: " + String.join("; ", tried)
                + ". To get them offline: " + SKIMAGE_HINT + ", or pass a directory of PNG/JPEG images.");
    }

    /** The named images of a directory, each read as grayscale. */
    public static List<Image> load(Path directory, List<String> names) throws IOException {
        List<Image> images = new ArrayList<>();
        for (String name : names) {
            Path file = directory.resolve(name);
            if (!Files.isRegularFile(file)) {
                throw new IOException("image " + file + " not found (expected in " + directory + ")");
            }
            images.add(new Image(name, readGray(file)));
        }
        return images;
    }

    /** Every PNG/JPEG file of a directory, sorted by name. */
    public static List<Image> loadAll(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            throw new IOException("image directory " + directory + " does not exist");
        }
        List<String> names;
        try (Stream<Path> files = Files.list(directory)) {
            names = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.toLowerCase(Locale.ROOT).matches(".*\\.(png|jpe?g)")).sorted().toList();
        }
        if (names.isEmpty()) {
            throw new IOException("image directory " + directory + " holds no .png/.jpg/.jpeg files");
        }
        return load(directory, names);
    }

    /**
     * Reads an image as luminance in [0, 1] (0.299 R + 0.587 G + 0.114 B for colour; the raw samples for gray, at
     * their bit depth).
     *
     * @throws IOException naming the file when it cannot be decoded
     */
    public static INDArray readGray(Path file) throws IOException {
        BufferedImage img;
        try {
            img = ImageIO.read(file.toFile());
        } catch (IOException | RuntimeException e) {
            throw new IOException("unreadable image file " + file + ": " + e.getMessage(), e);
        }
        if (img == null) {
            throw new IOException("unreadable image file " + file + ": not a PNG/JPEG image that Java ImageIO can"
                    + " decode");
        }
        Raster r = img.getRaster();
        int bands = r.getNumBands();
        int h = img.getHeight();
        int w = img.getWidth();
        double[] out = new double[h * w];
        boolean indexed = img.getColorModel() instanceof java.awt.image.IndexColorModel;
        for (int i = 0; i < h; i++) {
            for (int j = 0; j < w; j++) {
                double v;
                if (indexed) {
                    int rgb = img.getRGB(j, i);
                    v = luma((rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255) / 255.0;
                } else if (bands < 3) {
                    v = r.getSample(j, i, 0) / max(r, 0);
                } else {
                    v = luma(r.getSample(j, i, 0) / max(r, 0), r.getSample(j, i, 1) / max(r, 1),
                            r.getSample(j, i, 2) / max(r, 2));
                }
                out[i * w + j] = v;
            }
        }
        return Nd4j.createFromArray(out).reshape('c', 1, 1, h, w).castTo(DataType.DOUBLE);
    }

    private static double luma(double red, double green, double blue) {
        return 0.299 * red + 0.587 * green + 0.114 * blue;
    }

    private static double max(Raster r, int band) {
        return (1 << r.getSampleModel().getSampleSize(band)) - 1.0;
    }

    /** Box-filter downscaling by an integer factor (trailing rows/columns that do not fill a box are cut). */
    public static INDArray downscale(INDArray image, int factor) {
        if (factor == 1) {
            return image.dup();
        }
        long h = image.size(2) / factor;
        long w = image.size(3) / factor;
        if (h == 0 || w == 0) {
            throw new IllegalArgumentException("downscale: image " + image.size(2) + "x" + image.size(3)
                    + " is smaller than the factor " + factor);
        }
        INDArray cut = image.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(0, h * factor),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(0, w * factor)).dup('c');
        return cut.reshape('c', 1, 1, h, factor, w, factor).mean(3, 5).reshape('c', 1, 1, h, w);
    }

    /** The centred height×width crop. */
    public static INDArray centreCrop(INDArray image, long height, long width) {
        long h = image.size(2);
        long w = image.size(3);
        if (height > h || width > w) {
            throw new IllegalArgumentException("centreCrop: cannot crop " + height + "x" + width + " from " + h + "x"
                    + w);
        }
        long top = (h - height) / 2;
        long left = (w - width) / 2;
        return image.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(top, top + height),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(left, left + width)).dup('c');
    }

    /** Writes a [1, 1, H, W] image (values clipped to [0, 1] for display only) as an 8-bit gray PNG. */
    public static void writePng(INDArray image, Path file) throws IOException {
        int h = (int) image.size(2);
        int w = (int) image.size(3);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        double[] v = image.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        for (int i = 0; i < h; i++) {
            for (int j = 0; j < w; j++) {
                int g = (int) Math.round(255 * Math.min(1, Math.max(0, v[i * w + j])));
                img.getRaster().setSample(j, i, 0, g);
            }
        }
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        ImageIO.write(img, "png", file.toFile());
    }
}
