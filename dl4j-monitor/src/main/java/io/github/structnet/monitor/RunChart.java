package io.github.structnet.monitor;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

import javax.imageio.ImageIO;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A PNG of a monitored run: the certified bound of the network and the layers' power-iteration estimates over
 * iterations; clean and certified accuracy over epochs (or the score over iterations when there is no evaluation
 * set); step sizes; and the symplecticity defect and energy error, each panel drawn when the run recorded it.
 */
public final class RunChart {

    private static final int PANEL_WIDTH = 640;
    private static final int PANEL_HEIGHT = 420;
    private static final int MAX_LAYER_SERIES = 8;

    private RunChart() {
    }

    /**
     * Writes the chart of {@code measurements} to {@code png} (through a temporary file moved into place, so an
     * existing chart is never left half-written); returns the number of panels drawn.
     */
    public static int write(List<Measurement> measurements, Path png) throws IOException {
        List<XYChart> panels = panels(measurements);
        if (panels.isEmpty()) {
            throw new IllegalArgumentException("RunChart: nothing to draw: no measurements");
        }
        int columns = Math.min(2, panels.size());
        int rows = (panels.size() + 1) / 2;
        BufferedImage image = new BufferedImage(columns * PANEL_WIDTH, rows * PANEL_HEIGHT,
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(panels.get(0).getStyler().getChartBackgroundColor());
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        for (int i = 0; i < panels.size(); i++) {
            g.drawImage(BitmapEncoder.getBufferedImage(panels.get(i)), (i % 2) * PANEL_WIDTH, (i / 2) * PANEL_HEIGHT,
                    null);
        }
        g.dispose();
        Path target = png.toAbsolutePath();
        if (target.getParent() != null) {
            Files.createDirectories(target.getParent());
        }
        Path temporary = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".tmp");
        try {
            if (!ImageIO.write(image, "png", temporary.toFile())) {
                throw new IOException("RunChart: no PNG writer");
            }
            Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temporary);
        }
        return panels.size();
    }

    private static List<XYChart> panels(List<Measurement> all) {
        List<XYChart> panels = new ArrayList<>();
        addPanel(panels, "Lipschitz certificate", "iteration", "bound / estimate", all,
                EnumSet.of(Quantity.NETWORK_BOUND, Quantity.POWER_ITERATION_ESTIMATE), false);
        if (!addPanel(panels, "Accuracy", "epoch", "accuracy", all,
                EnumSet.of(Quantity.CLEAN_ACCURACY, Quantity.CERTIFIED_ACCURACY), true)) {
            addPanel(panels, "Score", "iteration", "score", all, EnumSet.of(Quantity.SCORE), false);
        }
        addPanel(panels, "Step sizes", "iteration", "step", all, EnumSet.of(Quantity.STEP_SIZE), false);
        addPanel(panels, "Structure", "iteration", "defect / energy error", all,
                EnumSet.of(Quantity.SYMPLECTICITY_DEFECT, Quantity.ENERGY_ERROR), false);
        return panels;
    }

    /** Adds a panel with one series per (quantity, source) when any such measurement exists. */
    private static boolean addPanel(List<XYChart> panels, String title, String xLabel, String yLabel,
                                    List<Measurement> all, Set<Quantity> quantities, boolean byEpoch) {
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        int layerSeries = 0;
        for (Measurement m : all) {
            if (!quantities.contains(m.quantity()) || !Double.isFinite(m.value())) {
                continue;
            }
            String name = seriesName(m);
            if (!series.containsKey(name)) {
                boolean perLayer = !m.source().equals(Measurement.NETWORK) && !m.source().startsWith("eps=");
                if (perLayer && ++layerSeries > MAX_LAYER_SERIES) {
                    continue;
                }
                series.put(name, new ArrayList<>());
            }
            series.get(name).add(new double[]{byEpoch ? m.epoch() : m.iteration(), m.value()});
        }
        if (series.isEmpty()) {
            return false;
        }
        XYChart chart = new XYChartBuilder().width(PANEL_WIDTH).height(PANEL_HEIGHT).title(title).xAxisTitle(xLabel)
                .yAxisTitle(yLabel).build();
        chart.getStyler().setMarkerSize(4);
        chart.getStyler().setLegendFont(chart.getStyler().getLegendFont().deriveFont(10f));
        double min = Double.POSITIVE_INFINITY;
        double max = 0;
        for (Map.Entry<String, List<double[]>> e : series.entrySet()) {
            double[] x = e.getValue().stream().mapToDouble(p -> p[0]).toArray();
            double[] y = e.getValue().stream().mapToDouble(p -> p[1]).toArray();
            for (double v : y) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            XYSeries s = chart.addSeries(e.getKey(), x, y);
            if (x.length > 1) {
                s.setMarker(SeriesMarkers.NONE);
            }
        }
        chart.getStyler().setYAxisLogarithmic(min > 0 && max / min > 100);
        panels.add(chart);
        return true;
    }

    private static String seriesName(Measurement m) {
        return switch (m.quantity()) {
            case NETWORK_BOUND -> "network bound";
            case POWER_ITERATION_ESTIMATE -> "σ̂ " + shortName(m.source());
            case CLEAN_ACCURACY -> "clean";
            case CERTIFIED_ACCURACY -> "certified " + m.source().replace("eps=", "ε = ");
            case STEP_SIZE -> "h " + shortName(m.source());
            case SYMPLECTICITY_DEFECT -> "symplecticity defect";
            case ENERGY_ERROR -> "energy error";
            default -> m.quantity().name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    private static String shortName(String source) {
        return source.length() <= 28 ? source : source.substring(0, 27) + "…";
    }
}
