package io.github.structnet.spectral;

import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce3.ManhattanDistance;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.function.Supplier;

/**
 * Remembers the last value derived from a layer's weights (a certified bound, an orthogonalised matrix) together with
 * a copy of the weights it was derived from, so that expensive work is redone only when the weights (or the geometry)
 * actually change.
 * <p>Sound by construction: a cached value is returned only when Σ|w − w₀| = 0 for the stored copy w₀, which holds
 * exactly when every weight equals the stored one (a sum of non-negative terms vanishes only if every term does; a
 * NaN or an infinite difference gives a non-zero sum). The check is one pass over the weights with no copy. A value
 * that is an array must be created outside workspaces; a replaced value is left to the garbage collector, never
 * closed, since another thread may still be reading it. Thread-safe.
 *
 * @param <T> the derived value
 */
public final class WeightsCache<T> {

    private INDArray weights;
    private String geometry;
    private T value;

    /**
     * The value for these weights, from the cache or from {@code compute}.
     *
     * @param geometry everything besides the weights the value depends on (stride, input size, settings)
     */
    public synchronized T get(INDArray w, String geometry, Supplier<T> compute) {
        if (weights != null && geometry.equals(this.geometry) && sameWeights(w)) {
            return value;
        }
        T computed = compute.get();
        if (weights != null && !weights.wasClosed()) {
            weights.close();
        }
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            this.weights = w.dup('c');
        }
        this.geometry = geometry;
        this.value = computed;
        return computed;
    }

    private boolean sameWeights(INDArray w) {
        if (w.dataType() != weights.dataType() || !Arrays.equals(w.shape(), weights.shape())) {
            return false;
        }
        double distance = Nd4j.getExecutioner().exec(new ManhattanDistance(w, weights)).getDouble(0);
        return distance == 0.0;
    }
}
