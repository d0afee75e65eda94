package io.github.structnet.examples.common;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.File;
import java.io.IOException;

/** Small XChart helpers for headless PNG output. */
public final class Charts {

    private Charts() {
    }

    public static XYChart chart(String title, String xLabel, String yLabel) {
        XYChart c = new XYChartBuilder().width(720).height(480).title(title).xAxisTitle(xLabel).yAxisTitle(yLabel)
                .build();
        c.getStyler().setMarkerSize(4);
        return c;
    }

    /** Adds a line without markers. */
    public static XYSeries line(XYChart chart, String name, double[] x, double[] y) {
        XYSeries s = chart.addSeries(name, x, y);
        s.setMarker(SeriesMarkers.NONE);
        return s;
    }

    /** Adds markers without a line. */
    public static XYSeries points(XYChart chart, String name, double[] x, double[] y) {
        XYSeries s = chart.addSeries(name, x, y);
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        return s;
    }

    /** Creates the directory a file will be written to. */
    public static void createParent(File file) throws IOException {
        File parent = file.getAbsoluteFile().getParentFile();
        if (parent != null && !parent.isDirectory() && !parent.mkdirs()) {
            throw new IOException("cannot create directory " + parent);
        }
    }

    /** 0, 1, …, n−1 scaled by dt. */
    public static double[] times(int n, double dt) {
        double[] t = new double[n];
        for (int i = 0; i < n; i++) {
            t[i] = i * dt;
        }
        return t;
    }

    /** Column c of a row-major table, for plotting one coordinate of a trajectory. */
    public static double[] column(double[][] rows, int c) {
        double[] v = new double[rows.length];
        for (int i = 0; i < rows.length; i++) {
            v[i] = rows[i][c];
        }
        return v;
    }

    /** Writes a PNG, creating the directory. */
    public static File save(XYChart chart, File png) throws IOException {
        createParent(png);
        BitmapEncoder.saveBitmap(chart, png.getPath(), BitmapEncoder.BitmapFormat.PNG);
        return png;
    }

    /** Parses "--quick" and "--out DIR" (the common example arguments). */
    public static ExampleArgs parse(String[] args, String defaultOut, String usage) {
        boolean quick = false;
        File out = new File(defaultOut);
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--out" -> {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException("--out needs a directory; usage: " + usage);
                    }
                    out = new File(args[++i]);
                }
                default -> throw new IllegalArgumentException("unknown argument '" + args[i] + "'; usage: " + usage);
            }
        }
        return new ExampleArgs(quick, out);
    }

    /** The common example arguments. */
    public record ExampleArgs(boolean quick, File out) {
    }
}
