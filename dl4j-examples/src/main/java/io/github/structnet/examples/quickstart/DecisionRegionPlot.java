package io.github.structnet.examples.quickstart;

import io.github.structnet.certify.MarginCertificate;
import io.github.structnet.certify.NetworkLipschitz;
import io.github.structnet.examples.common.CertifiedReport;
import io.github.structnet.examples.common.Charts;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;

/**
 * Decision regions with the certified-radius map: each pixel is coloured by the predicted class, brighter
 * where the certified radius M(x)/(√2 L) is larger (saturating at {@code maxRadius}); the data points are drawn
 * on top. One panel per model, side by side, in one PNG.
 */
public final class DecisionRegionPlot {

    static final double X_MIN = -1.6, X_MAX = 2.6, Y_MIN = -1.1, Y_MAX = 1.6;
    static final int PANEL = 360, TITLE = 28;
    static final Color[] CLASS_COLORS = {new Color(31, 119, 180), new Color(255, 127, 14)};

    private DecisionRegionPlot() {
    }

    /** Writes the panels of the given models; {@code names} label the panels. */
    public static File write(File png, DataSet points, double maxRadius, String[] names, MultiLayerNetwork... nets)
            throws IOException {
        BufferedImage img = new BufferedImage(PANEL * nets.length, PANEL + TITLE, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        for (int k = 0; k < nets.length; k++) {
            drawPanel(img, g, k * PANEL, nets[k], points, maxRadius, names[k]);
        }
        g.dispose();
        Charts.createParent(png);
        ImageIO.write(img, "png", png);
        return png;
    }

    private static void drawPanel(BufferedImage img, Graphics2D g, int x0, MultiLayerNetwork net, DataSet points,
                                  double maxRadius, String name) {
        int logits = QuickStartModels.logitsLayer(net);
        double bound = NetworkLipschitz.upperBound(net, logits);
        INDArray grid = Nd4j.create(DataType.FLOAT, (long) PANEL * PANEL, 2);
        for (int py = 0; py < PANEL; py++) {
            for (int px = 0; px < PANEL; px++) {
                grid.putScalar((long) py * PANEL + px, 0, X_MIN + (X_MAX - X_MIN) * (px + 0.5) / PANEL);
                grid.putScalar((long) py * PANEL + px, 1, Y_MAX - (Y_MAX - Y_MIN) * (py + 0.5) / PANEL);
            }
        }
        INDArray out = CertifiedReport.logits(net, logits, grid);
        INDArray predicted = out.argMax(1);
        double[] radii = MarginCertificate.radii(out, predicted, bound); // radius of the predicted class
        for (int py = 0; py < PANEL; py++) {
            for (int px = 0; px < PANEL; px++) {
                int i = py * PANEL + px;
                double level = Math.min(1.0, Math.max(0.0, radii[i]) / maxRadius);
                Color c = CLASS_COLORS[predicted.getInt(i)];
                img.setRGB(x0 + px, TITLE + py, blend(c, level).getRGB());
            }
        }
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        g.drawString(String.format(java.util.Locale.ROOT, "%s (L ≤ %.2f, bright = radius ≥ %.2f)", name, bound,
                maxRadius),
                x0 + 6, 18);
        g.setStroke(new BasicStroke(1f));
        INDArray f = points.getFeatures();
        for (int i = 0; i < f.rows(); i++) {
            int px = (int) ((f.getDouble(i, 0) - X_MIN) / (X_MAX - X_MIN) * PANEL);
            int py = (int) ((Y_MAX - f.getDouble(i, 1)) / (Y_MAX - Y_MIN) * PANEL);
            int cls = points.getLabels().getRow(i).argMax().getInt(0);
            g.setColor(CLASS_COLORS[cls].darker());
            g.fillOval(x0 + px - 3, TITLE + py - 3, 6, 6);
            g.setColor(Color.WHITE);
            g.drawOval(x0 + px - 3, TITLE + py - 3, 6, 6);
        }
    }

    /** Pale at radius 0, full colour at the maximum radius. */
    private static Color blend(Color c, double level) {
        double w = 0.15 + 0.85 * level;
        return new Color((int) (255 + (c.getRed() - 255) * w), (int) (255 + (c.getGreen() - 255) * w),
                (int) (255 + (c.getBlue() - 255) * w));
    }
}
