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
 * Draws the training-step times of {@code results.md} (written by {@code bench/run.sh}) as bars: StructNet's median
 * divided by PyTorch's for every configuration both programs ran (below 1: StructNet is faster), with both times in
 * the category label and PyTorch's level as a second series of ones.
 * <p>Usage: {@code BenchmarkChart RESULTS.md OUT.png}.
 */
public final class BenchmarkChart {

    private static final String PYTORCH = "PyTorch ";

    private BenchmarkChart() {
    }

    /** Median training-step times by configuration name, from the Markdown rows "| name | min / median | …". */
    static Map<String, Double> medians(List<String> lines) {
        Map<String, Double> medians = new LinkedHashMap<>();
        for (String line : lines) {
            String[] cells = line.split("\\|");
            if (cells.length < 3 || !cells[2].contains("/")) {
                continue;
            }
            try {
                medians.put(cells[1].trim(), Double.parseDouble(cells[2].split("/")[1].trim()));
            } catch (NumberFormatException e) {
                // a header or separator row
            }
        }
        return medians;
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: BenchmarkChart RESULTS.md OUT.png");
        }
        File results = new File(args[0]);
        if (!results.isFile()) {
            throw new IOException("no benchmark results at " + results.getAbsolutePath() + "; run bench/run.sh first");
        }
        Map<String, Double> medians = medians(Files.readAllLines(results.toPath()));
        List<String> labels = new ArrayList<>();
        List<Double> ratios = new ArrayList<>();
        List<Double> ones = new ArrayList<>();
        for (Map.Entry<String, Double> e : medians.entrySet()) {
            Double reference = medians.get(PYTORCH + e.getKey());
            if (e.getKey().startsWith(PYTORCH) || reference == null) {
                continue;
            }
            labels.add(String.format(Locale.ROOT, "%s: %.0f / %.0f ms", shortName(e.getKey()), e.getValue(), reference));
            ratios.add(e.getValue() / reference);
            ones.add(1.0);
        }
        if (labels.isEmpty()) {
            throw new IllegalStateException(results + " has no configuration timed by both StructNet and PyTorch");
        }
        CategoryChart chart = new CategoryChartBuilder().width(1100).height(560)
                .title("One Adam training step, median: StructNet time / PyTorch time")
                .xAxisTitle("configuration: StructNet / PyTorch median").yAxisTitle("time relative to PyTorch").build();
        chart.getStyler().setXAxisLabelRotation(15);
        chart.addSeries("StructNet (DL4J 1.0.0-M2.1)", labels, ratios);
        chart.addSeries("PyTorch 1.13 (= 1)", labels, ones);
        File png = new File(args[1]);
        Charts.createParent(png);
        BitmapEncoder.saveBitmap(chart, png.getPath(), BitmapEncoder.BitmapFormat.PNG);
        System.out.println("Wrote " + png);
    }

    private static String shortName(String name) {
        return name.replace("GradientFlowDense", "GF dense").replace("GradientFlowConv2D", "GF conv")
                .replace("SymplecticConv2D", "Sympl. conv").replace(", batch 64", "").replace(", batch 256", "");
    }
}
