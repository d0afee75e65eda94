package io.github.structnet.examples.bench;

import io.github.structnet.examples.common.Charts;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Draws the training-step times of {@code results.md} (written by {@code bench/run.sh}) as bars: StructNet's time
 * divided by PyTorch's for every configuration both programs ran (below 1: StructNet is faster), once for the
 * medians and once for the minimums (the medians carry the machine's noise, the minimums less of it), with both
 * medians in the category label.
 * <p>Usage: {@code BenchmarkChart RESULTS.md OUT.png}.
 */
public final class BenchmarkChart {

    private static final String PYTORCH = "PyTorch ";

    private BenchmarkChart() {
    }

    /** Training-step {min, median} by configuration name, from the Markdown rows "| name | min / median | …". */
    static Map<String, double[]> trainingTimes(List<String> lines) {
        Map<String, double[]> times = new LinkedHashMap<>();
        for (String line : lines) {
            String[] cells = line.split("\\|");
            if (cells.length < 3 || !cells[2].contains("/")) {
                continue;
            }
            try {
                String[] minMedian = cells[2].split("/");
                times.put(cells[1].trim(), new double[]{Double.parseDouble(minMedian[0].trim()),
                        Double.parseDouble(minMedian[1].trim())});
            } catch (NumberFormatException e) {
                // a header or separator row
            }
        }
        return times;
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: BenchmarkChart RESULTS.md OUT.png");
        }
        File results = new File(args[0]);
        if (!results.isFile()) {
            throw new IOException("no benchmark results at " + results.getAbsolutePath() + "; run bench/run.sh first");
        }
        Map<String, double[]> times = trainingTimes(Files.readAllLines(results.toPath()));
        List<String> labels = new ArrayList<>();
        List<Double> medianRatios = new ArrayList<>();
        List<Double> minimumRatios = new ArrayList<>();
        for (Map.Entry<String, double[]> e : times.entrySet()) {
            double[] reference = times.get(PYTORCH + e.getKey());
            if (e.getKey().startsWith(PYTORCH) || reference == null) {
                continue;
            }
            double[] own = e.getValue();
            labels.add(String.format(Locale.ROOT, "%s: %.0f / %.0f ms", shortName(e.getKey()), own[1], reference[1]));
            medianRatios.add(own[1] / reference[1]);
            minimumRatios.add(own[0] / reference[0]);
        }
        if (labels.isEmpty()) {
            throw new IllegalStateException(results + " has no configuration timed by both StructNet and PyTorch");
        }
        CategoryChart chart = new CategoryChartBuilder().width(1100).height(560)
                .title("One Adam training step: StructNet time / PyTorch 1.13 time (1 = as fast; below 1 = faster)")
                .xAxisTitle("configuration: StructNet / PyTorch median").yAxisTitle("time relative to PyTorch").build();
        chart.getStyler().setXAxisLabelRotation(15);
        chart.addSeries("ratio of medians", labels, medianRatios);
        chart.addSeries("ratio of minimums", labels, minimumRatios);
        File png = new File(args[1]);
        Charts.createParent(png);
        BitmapEncoder.saveBitmap(chart, png.getPath(), BitmapEncoder.BitmapFormat.PNG);
        System.out.println("Wrote " + png);
    }

    private static String shortName(String name) {
        return name.replace("GradientFlowDense", "GF dense").replace("GradientFlowConv2D", "GF conv")
                .replace("SymplecticConv2D", "Sympl. conv").replace(", batch 64", "").replace(", batch 256", "")
                .replace(BenchmarkCases.CHANNELS_LAST, " NHWC");
    }
}
