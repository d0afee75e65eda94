package io.github.structnet.examples.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The natural-image loader on generated PNGs: gray and colour values, resizing, and clear errors. */
class NaturalImagesTest {

    @Test
    void readsGrayAndColourPngsAsLuminance(@TempDir Path dir) throws IOException {
        BufferedImage gray = new BufferedImage(3, 2, BufferedImage.TYPE_BYTE_GRAY);
        gray.getRaster().setSample(2, 1, 0, 51);
        ImageIO.write(gray, "png", dir.resolve("a.png").toFile());
        BufferedImage rgb = new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB);
        rgb.setRGB(1, 0, 0xFF0000);
        ImageIO.write(rgb, "png", dir.resolve("b.png").toFile());
        Files.writeString(dir.resolve("notes.txt"), "not an image");

        List<NaturalImages.Image> all = NaturalImages.loadAll(dir);
        assertEquals(List.of("a.png", "b.png"), all.stream().map(NaturalImages.Image::name).toList());
        INDArray a = all.get(0).pixels();
        assertArrayEquals(new long[]{1, 1, 2, 3}, a.shape());
        assertEquals(0.2, a.getDouble(0, 0, 1, 2), 1e-12);
        assertEquals(0.299, all.get(1).pixels().getDouble(0, 0, 0, 1), 1e-12, "pure red has luma 0.299");
    }

    @Test
    void downscalesByBoxAveragesAndCropsTheCentre() {
        INDArray img = Nd4j.arange(0, 24).castTo(DataType.DOUBLE).reshape(1, 1, 4, 6);
        INDArray small = NaturalImages.downscale(img, 2);
        assertArrayEquals(new long[]{1, 1, 2, 3}, small.shape());
        assertEquals((0 + 1 + 6 + 7) / 4.0, small.getDouble(0, 0, 0, 0), 1e-12);
        INDArray crop = NaturalImages.centreCrop(img, 2, 2);
        assertEquals(8.0, crop.getDouble(0, 0, 0, 0), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> NaturalImages.centreCrop(img, 5, 2));
    }

    @Test
    void badFilesAndMissingDirectoriesGiveClearErrors(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("broken.png"), "this is not a PNG");
        IOException unreadable = assertThrows(IOException.class, () -> NaturalImages.loadAll(dir));
        assertTrue(unreadable.getMessage().contains("broken.png"), unreadable.getMessage());

        Path nowhere = dir.resolve("nowhere");
        IOException missing = assertThrows(IOException.class, () -> NaturalImages.firstWithSamples(List.of(nowhere)));
        assertTrue(missing.getMessage().contains(nowhere.toString()) && missing.getMessage()
                .contains("apt-get download"),
                missing.getMessage());
        IOException empty = assertThrows(IOException.class, () -> NaturalImages.loadAll(Files.createDirectory(
                dir.resolve("empty"))));
        assertTrue(empty.getMessage().contains("no .png"), empty.getMessage());
    }
}
