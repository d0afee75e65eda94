package io.github.structnet.examples.pnp;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A row of labelled grayscale images [1, 1, H, W] in one PNG (values shown clipped to [0, 1]). */
public final class ImageStrip {

    private static final int GAP = 6;
    private static final int LABEL = 18;
    private static final int SCALE = 2;

    private ImageStrip() {
    }

    /** A labelled image. */
    public record Panel(String label, INDArray image) {
    }

    public static Path write(List<Panel> panels, Path file) throws IOException {
        int h = (int) panels.get(0).image().size(2) * SCALE;
        int w = (int) panels.get(0).image().size(3) * SCALE;
        int cellW = Math.max(w, 150);
        BufferedImage out = new BufferedImage(panels.size() * (cellW + GAP) + GAP, h + LABEL + 2 * GAP,
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, out.getWidth(), out.getHeight());
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        for (int p = 0; p < panels.size(); p++) {
            int x0 = GAP + p * (cellW + GAP) + (cellW - w) / 2;
            double[] v = panels.get(p).image().castTo(DataType.DOUBLE).dup('c').data().asDouble();
            int srcW = w / SCALE;
            for (int i = 0; i < h; i++) {
                for (int j = 0; j < w; j++) {
                    int gray = (int) Math.round(255 * Math.min(1, Math.max(0, v[(i / SCALE) * srcW + j / SCALE])));
                    out.setRGB(x0 + j, GAP + i, new Color(gray, gray, gray).getRGB());
                }
            }
            g.setColor(Color.BLACK);
            g.drawString(panels.get(p).label(), GAP + p * (cellW + GAP), h + GAP + LABEL - 4);
        }
        g.dispose();
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        ImageIO.write(out, "png", file.toFile());
        return file;
    }
}
