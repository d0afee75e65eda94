package io.github.structnet.kernels;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PlanCache}: a plan is built once per key; a refused key is remembered; when a new key arrives at capacity the
 * least recently used key is dropped and its plan closed exactly once, and no other plan is touched; real oneDNN matmul
 * plans evicted and closed many times over (3 × capacity distinct shapes, twice) leave every product correct.
 */
class PlanCacheTest {

    private static final int SMALL_CAPACITY = 8;

    /** A plan that counts how often it is closed. */
    private static final class CountingPlan implements AutoCloseable {
        private int closed;

        @Override
        public void close() {
            closed++;
        }
    }

    @Test
    void theDefaultCapacityIsOneDnnsAndTheLeastRecentlyUsedPlanIsClosedOnce() {
        assertEquals(PlanCache.DEFAULT_CAPACITY, PlanCache.CAPACITY, "no capacity property is set in the tests");
        assertEquals(1024, new PlanCache<Integer, CountingPlan>().capacity());
        PlanCache<Integer, CountingPlan> cache = new PlanCache<>(SMALL_CAPACITY);
        List<CountingPlan> built = new ArrayList<>();
        int[] refusals = {0};
        for (int key = 0; key < SMALL_CAPACITY; key++) {
            CountingPlan plan = cache.get(key, k -> {
                if (k % 5 == 0) {
                    refusals[0]++;
                    throw new IllegalArgumentException("refused");
                }
                CountingPlan p = new CountingPlan();
                built.add(p);
                return p;
            });
            if (key % 5 == 0) {
                assertNull(plan);
            } else {
                assertSame(built.get(built.size() - 1), plan);
            }
        }
        assertEquals(2, refusals[0]);
        assertNull(cache.get(5, k -> {
            throw new AssertionError("a refused key must not be built again");
        }));
        // use key 1 again: key 0 (a refusal) is now the least recently used, then key 2
        assertSame(built.get(0), cache.get(1, k -> {
            throw new AssertionError("a held key must not be built again");
        }));
        assertTrue(built.stream().allMatch(p -> p.closed == 0), "nothing closed before capacity is exceeded");
        CountingPlan first = cache.get(SMALL_CAPACITY, k -> new CountingPlan());
        assertTrue(built.stream().allMatch(p -> p.closed == 0), "dropping the refused key 0 closes no plan");
        CountingPlan second = cache.get(SMALL_CAPACITY + 1, k -> new CountingPlan());
        CountingPlan keyTwo = built.get(1);
        assertEquals(1, keyTwo.closed, "key 2, the least recently used plan, closed once");
        assertTrue(built.stream().filter(p -> p != keyTwo).allMatch(p -> p.closed == 0), "no other plan closed");
        assertEquals(0, first.closed + second.closed);
        assertEquals(SMALL_CAPACITY, cache.size());
        assertSame(built.get(0), cache.get(1, k -> new CountingPlan()), "the recently used key 1 is still held");
        assertNotSame(keyTwo, cache.get(2, k -> new CountingPlan()), "the dropped key 2 is built again");
        assertThrows(IllegalArgumentException.class, () -> new PlanCache<Integer, CountingPlan>(0));
    }

    @Test
    void realPlansSurviveRepeatedEvictionAndClosing() {
        if (OneDnn.engine() == null) {
            return; // the direct routes are switched off on this run (the GPU's route): nothing to evict
        }
        Nd4j.getRandom().setSeed(5);
        DirectMatmul.replacePlanCache(SMALL_CAPACITY);
        try {
            int shapes = 3 * SMALL_CAPACITY;
            for (int round = 0; round < 2; round++) {
                for (int s = 0; s < shapes; s++) {
                    int m = 128 + s; // above DirectMatmul.MIN_WORK multiply-adds
                    int n = 160;
                    int k = 400;
                    INDArray a = Nd4j.randn(DataType.FLOAT, m, k);
                    INDArray b = Nd4j.randn(DataType.FLOAT, k, n);
                    INDArray c = Nd4j.create(DataType.FLOAT, m, n);
                    assertTrue(DirectMatmul.gemm(a, false, b, false, 1.0, 0.0, c, m, n, k), "oneDNN took the product");
                    INDArray expected = a.castTo(DataType.DOUBLE).mmul(b.castTo(DataType.DOUBLE));
                    double error = expected.sub(c.castTo(DataType.DOUBLE)).norm2Number().doubleValue()
                            / expected.norm2Number().doubleValue();
                    assertTrue(error < 1e-5, "shape " + m + "x" + n + "x" + k + ", round " + round + ": error "
                            + error);
                }
            }
        } finally {
            DirectMatmul.replacePlanCache(PlanCache.CAPACITY);
        }
    }
}
