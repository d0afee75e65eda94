package io.github.structnet.examples.flows;

import io.github.structnet.examples.common.Charts;
import org.nd4j.linalg.api.ndarray.INDArray;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.util.List;

/** Heat-map panels of 2-D densities: histograms of samples and densities on a grid, one row per problem. */
public final class DensityPanels {

    public static final int PANEL = 240;
    private static final int TITLE = 24;

    /** One panel: a grid of non-negative values (row 0 at the top) and its title. */
    public record Panel(String title, double[][] values) {
    }

    private DensityPanels() {
    }

    /**
     * A 2-D histogram of points [n, 2] on [−extent, extent]² with bins² cells (bins divides {@link #PANEL}), drawn on
     * the panel's {@link #PANEL}² pixels.
     */
    public static double[][] histogram(INDArray points, double extent, int bins) {
        if (PANEL % bins != 0) {
            throw new IllegalArgumentException("bins must divide " + PANEL + "; got " + bins);
        }
        double[][] counts = new double[bins][bins];
        for (int i = 0; i < points.rows(); i++) {
            int bx = (int) Math.floor((points.getDouble(i, 0) + extent) / (2 * extent) * bins);
            int by = (int) Math.floor((extent - points.getDouble(i, 1)) / (2 * extent) * bins);
            if (bx >= 0 && bx < bins && by >= 0 && by < bins) {
                counts[by][bx]++;
            }
        }
        double[][] pixels = new double[PANEL][PANEL];
        int size = PANEL / bins;
        for (int py = 0; py < PANEL; py++) {
            for (int px = 0; px < PANEL; px++) {
                pixels[py][px] = counts[py / size][px / size];
            }
        }
        return pixels;
    }

    /** The centres of the {@link #PANEL}² grid cells as points [PANEL², 2], row by row from the top. */
    static double[][] gridCentres(double extent) {
        double[][] points = new double[PANEL * PANEL][];
        for (int py = 0; py < PANEL; py++) {
            for (int px = 0; px < PANEL; px++) {
                points[py * PANEL + px] = new double[]{-extent + 2 * extent * (px + 0.5) / PANEL,
                        extent - 2 * extent * (py + 0.5) / PANEL};
            }
        }
        return points;
    }

    /** Writes rows of panels, each panel scaled to its own maximum. */
    public static File write(File png, List<List<Panel>> rows) throws IOException {
        int columns = rows.stream().mapToInt(List::size).max().orElse(1);
        BufferedImage img = new BufferedImage(columns * PANEL, rows.size() * (PANEL + TITLE),
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        for (int r = 0; r < rows.size(); r++) {
            for (int c = 0; c < rows.get(r).size(); c++) {
                Panel panel = rows.get(r).get(c);
                int x0 = c * PANEL;
                int y0 = r * (PANEL + TITLE);
                double max = 0;
                for (double[] line : panel.values()) {
                    for (double v : line) {
                        max = Math.max(max, v);
                    }
                }
                for (int py = 0; py < PANEL; py++) {
                    for (int px = 0; px < PANEL; px++) {
                        double level = max > 0 ? panel.values()[py][px] / max : 0;
                        img.setRGB(x0 + px, y0 + TITLE + py, heat(level));
                    }
                }
                g.setColor(Color.BLACK);
                g.drawString(panel.title(), x0 + 6, y0 + 17);
            }
        }
        g.dispose();
        Charts.createParent(png);
        ImageIO.write(img, "png", png);
        return png;
    }

    /** Dark blue (0) through purple and orange to pale yellow (1). */
    private static int heat(double level) {
        double t = Math.max(0, Math.min(1, level));
        int[][] stops = {{12, 7, 40}, {110, 25, 110}, {225, 90, 50}, {252, 250, 190}};
        double position = t * (stops.length - 1);
        int i = Math.min(stops.length - 2, (int) position);
        double f = position - i;
        int red = (int) Math.round(stops[i][0] + f * (stops[i + 1][0] - stops[i][0]));
        int green = (int) Math.round(stops[i][1] + f * (stops[i + 1][1] - stops[i][1]));
        int blue = (int) Math.round(stops[i][2] + f * (stops[i + 1][2] - stops[i][2]));
        return (red << 16) | (green << 8) | blue;
    }
}
