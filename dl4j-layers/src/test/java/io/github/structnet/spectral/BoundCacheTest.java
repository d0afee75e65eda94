package io.github.structnet.spectral;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A cached bound is returned only for weights equal, element by element, to those it was computed for. */
class BoundCacheTest {

    @Test
    void recomputesOnTheSmallestChangeAndOnlyThen() {
        for (DataType type : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
            BoundCache cache = new BoundCache();
            AtomicInteger computed = new AtomicInteger();
            INDArray w = Nd4j.rand(type, 16, 8);
            cache.get(w, "g", computed::incrementAndGet);
            assertEquals(1.0, cache.get(w.dup(), "g", computed::incrementAndGet), "an equal copy hits the cache");
            assertEquals(1, computed.get());

            double old = w.getDouble(5, 3);
            double next = type == DataType.FLOAT ? (double) Math.nextUp((float) old) : Math.nextUp(old); // one ulp
            w.putScalar(5, 3, next);
            assertEquals(2.0, cache.get(w, "g", computed::incrementAndGet), type + ": one ulp changes the weights");
            w.putScalar(7, 7, Double.NaN);
            assertEquals(3.0, cache.get(w, "g", computed::incrementAndGet), "NaN weights are recomputed");
            assertEquals(4.0, cache.get(w, "g", computed::incrementAndGet), "NaN never equals the stored NaN");
            INDArray finite = Nd4j.rand(type, 16, 8);
            cache.get(finite, "g", computed::incrementAndGet);
            assertEquals(6.0, cache.get(finite, "other geometry", computed::incrementAndGet));
            assertEquals(7.0, cache.get(finite.reshape(8, 16), "other geometry", computed::incrementAndGet),
                    "another shape is never the same weights");
        }
    }
}
