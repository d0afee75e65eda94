package io.github.structnet.examples.wasserstein;

import io.github.structnet.examples.common.Charts;
import io.github.structnet.wasserstein.Wasserstein1;
import org.knowm.xchart.XYChart;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Wasserstein-1 distances with known answers, estimated with 1-Lipschitz critics ({@link Wasserstein1}):
 * <ol>
 *   <li>a 2-D Gaussian cloud against the same cloud translated by a: W₁ = ‖a‖;</li>
 *   <li>a black 64×64 image against the same image with a white 35×35 square, as Dirac masses in ℝ⁴⁰⁹⁶:
 *       W₁ = ‖x − y‖₂ = 35;</li>
 *   <li>two 1-D Gaussian samples with equal variance, N(0, 1) and N(2, 1): W₁ from the sorted samples (≈ 2).</li>
 * </ol>
 * The table gives the true value, the certified lower bound (KR value / max(1, the critic's computed Lipschitz
 * bound)), the bound, and the training time; {@code w1-curves.png} plots the KR value per minibatch.
 * <p>Usage: {@code KnownDistances [--quick] [--out DIR]}.
 */
public final class KnownDistances {

    /** One problem's figures. */
    public record Row(String problem, double truth, Wasserstein1.Estimate estimate, double seconds) {
    }

    private KnownDistances() {
    }

    public static List<Row> run(boolean quick) {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        Nd4j.getRandom().setSeed(21);
        int iterations = quick ? 100 : 400;
        List<Row> rows = new ArrayList<>();

        INDArray cloud = Nd4j.randn(DataType.DOUBLE, 1000, 2);
        INDArray shift = Nd4j.createFromArray(new double[][]{{3.0, -1.5}});
        rows.add(measure("translated 2-D cloud, a = (3, -1.5)", shift.norm2Number().doubleValue(), cloud,
                cloud.addRowVector(shift), 2, iterations));

        INDArray black = Nd4j.zeros(DataType.DOUBLE, 1, 64 * 64);
        INDArray square = black.dup();
        for (int r = 10; r < 45; r++) {
            for (int c = 20; c < 55; c++) {
                square.putScalar(0, r * 64 + c, 1.0);
            }
        }
        rows.add(measure("64x64 black vs 35x35 white square (Diracs)", 35.0, black, square, 64 * 64,
                iterations));

        INDArray p = Nd4j.randn(DataType.DOUBLE, 2000, 1);
        INDArray q = Nd4j.randn(DataType.DOUBLE, 2000, 1).addi(2.0);
        double sorted = Wasserstein1.exactOneDimensional(p, q);
        rows.add(measure("1-D N(0, 1) vs N(2, 1), 2000 samples each", sorted, p, q, 1, iterations));
        return rows;
    }

    private static Row measure(String problem, double truth, INDArray p, INDArray q, int dimension,
                               int iterations) {
        long start = System.nanoTime();
        Wasserstein1.Estimate e = Wasserstein1.estimate(p, q, Wasserstein1.critic(dimension, 8, 1, 0.05, 3),
                iterations, 64, 5);
        Row row = new Row(problem, truth, e, (System.nanoTime() - start) / 1e9);
        System.out.printf(Locale.ROOT, "%s: W1 = %.4f, certified lower bound %.4f (%.1f s)%n", problem, truth,
                e.lowerBound(), row.seconds());
        return row;
    }

    public static String table(List<Row> rows) {
        StringBuilder sb = new StringBuilder("| problem | W1 | certified lower bound | critic bound | training s |\n"
                + "|---|---|---|---|---|\n");
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "| %s | %.4f | %.4f | %.6f | %.1f |%n", r.problem(), r.truth(),
                    r.estimate().lowerBound(), r.estimate().lipschitzBound(), r.seconds()));
        }
        return sb.toString();
    }

    public static void writePlot(List<Row> rows, File out) throws IOException {
        XYChart chart = Charts.chart("KR value per minibatch / W1", "iteration", "estimate / W1");
        for (Row r : rows) {
            double[] curve = r.estimate().curve().clone();
            for (int i = 0; i < curve.length; i++) {
                curve[i] /= r.truth();
            }
            Charts.line(chart, r.problem(), Charts.times(curve.length, 1), curve);
        }
        Charts.save(chart, new File(out, "w1-curves.png"));
    }

    public static void main(String[] args) throws IOException {
        Charts.ExampleArgs a = Charts.parse(args, "output/wasserstein", "KnownDistances [--quick] [--out DIR]");
        List<Row> rows = run(a.quick());
        System.out.print(table(rows));
        writePlot(rows, a.out());
    }
}
