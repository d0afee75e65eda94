package io.github.structnet.examples.bench;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The chart reads the minimum and median training step of each row of both benchmark tables, and nothing else. */
class BenchmarkChartTest {

    @Test
    void readsMediansOfBothTablesAndSkipsHeaders() {
        Map<String, double[]> times = BenchmarkChart.trainingTimes(List.of(
                "| configuration | train step min / median (ms) | inference min / median (ms) |",
                "|---|---|---|",
                "| GradientFlowDense x8, width 64, batch 256 | 15.0 / 27.5 | 1.9 / 3.0 | 3.7 | 1 % |",
                "| ND4J sgemm 2048² | | | 368.0 | 100 % | | |",
                "PyTorch 1.13.0a0, threads 2, mkldnn True",
                "| PyTorch GradientFlowDense x8, width 64, batch 256 | 6.3 / 6.5 | 0.7 / 0.7 |"));
        assertEquals(2, times.size());
        assertArrayEquals(new double[]{15.0, 27.5}, times.get("GradientFlowDense x8, width 64, batch 256"));
        assertArrayEquals(new double[]{6.3, 6.5}, times.get("PyTorch GradientFlowDense x8, width 64, batch 256"));
    }
}
