package io.github.structnet.examples.common;

import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.File;
import java.io.IOException;
import java.util.Arrays;

/** A PNG of certified accuracy against ε, one curve per model (XChart, headless). */
public final class CertifiedAccuracyChart {

    private CertifiedAccuracyChart() {
    }

    /**
     * @param maxEpsilon right end of the ε axis
     */
    public static File write(File png, double maxEpsilon, CertifiedReport... reports) throws IOException {
        XYChart chart = new XYChartBuilder().width(640).height(420).title("Certified accuracy vs ε (ℓ2)")
                .xAxisTitle("ε").yAxisTitle("certified accuracy (%)").build();
        int steps = 100;
        double[] eps = new double[steps + 1];
        for (int i = 0; i <= steps; i++) {
            eps[i] = maxEpsilon * i / steps;
        }
        for (CertifiedReport r : reports) {
            double[] acc = Arrays.stream(eps).map(e -> 100 * io.github.structnet.certify.MarginCertificate
                    .certifiedAccuracy(r.radii(), e)).toArray();
            chart.addSeries(r.name() + String.format(java.util.Locale.ROOT, " (L ≤ %.2f)", r.lipschitzBound()), eps,
                    acc)
                    .setMarker(SeriesMarkers.NONE);
        }
        chart.getStyler().setYAxisMin(0.0).setYAxisMax(100.0);
        return Charts.save(chart, png);
    }
}
