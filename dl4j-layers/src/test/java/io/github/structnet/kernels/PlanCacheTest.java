package io.github.structnet.kernels;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PlanCache}: a plan is built once per key; a refused key is remembered; when a new key arrives at capacity
 * every plan held is closed exactly once and the cache starts again; real oneDNN matmul plans evicted and closed
 * many times over (3 × capacity distinct shapes, twice) leave every product correct.
 */
class PlanCacheTest {

    /** A plan that counts how often it is closed. */
    private static final class CountingPlan implements AutoCloseable {
        private int closed;

        @Override
        public void close() {
            closed++;
        }
    }

    @Test
    void evictionClosesEveryHeldPlanOnceAndRefusalsAreRemembered() {
        PlanCache<Integer, CountingPlan> cache = new PlanCache<>();
        List<CountingPlan> built = new ArrayList<>();
        int[] refusals = {0};
        for (int key = 0; key < PlanCache.CAPACITY; key++) {
            CountingPlan plan = cache.get(key, k -> {
                if (k % 10 == 0) {
                    refusals[0]++;
                    throw new IllegalArgumentException("refused");
                }
                CountingPlan p = new CountingPlan();
                built.add(p);
                return p;
            });
            if (key % 10 == 0) {
                assertNull(plan);
            } else {
                assertSame(built.get(built.size() - 1), plan);
            }
        }
        assertNull(cache.get(0, k -> {
            throw new AssertionError("a refused key must not be built again");
        }));
        assertSame(built.get(0), cache.get(1, k -> {
            throw new AssertionError("a held key must not be built again");
        }));
        assertEquals(7, refusals[0]);
        assertTrue(built.stream().allMatch(p -> p.closed == 0), "nothing closed before capacity is reached");
        CountingPlan fresh = cache.get(PlanCache.CAPACITY, k -> new CountingPlan());
        assertTrue(built.stream().allMatch(p -> p.closed == 1), "every held plan closed once at eviction");
        assertEquals(0, fresh.closed);
        assertEquals(1, cache.size());
    }

    @Test
    void realPlansSurviveRepeatedEvictionAndClosing() {
        Nd4j.getRandom().setSeed(5);
        int shapes = 3 * PlanCache.CAPACITY;
        for (int round = 0; round < 2; round++) {
            for (int s = 0; s < shapes; s++) {
                int m = 64 + s;
                int n = 160;
                int k = 400;
                INDArray a = Nd4j.randn(DataType.FLOAT, m, k);
                INDArray b = Nd4j.randn(DataType.FLOAT, k, n);
                INDArray c = Nd4j.create(DataType.FLOAT, m, n);
                if (!DirectMatmul.gemm(a, false, b, false, 1.0, 0.0, c, m, n, k)) {
                    return; // the direct route is switched off on this run (the GPU's route): nothing to evict
                }
                INDArray expected = a.castTo(DataType.DOUBLE).mmul(b.castTo(DataType.DOUBLE));
                double error = expected.sub(c.castTo(DataType.DOUBLE)).norm2Number().doubleValue()
                        / expected.norm2Number().doubleValue();
                assertTrue(error < 1e-5, "shape " + m + "x" + n + "x" + k + ", round " + round + ": error " + error);
            }
        }
    }
}
