package io.github.structnet.spectral;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.function.DoubleSupplier;

/**
 * Remembers the last certified bound together with a bitwise copy of the weights it was computed from, so that
 * an expensive bound is recomputed only when the weights (or the geometry) actually change.
 * <p>Sound by construction: a cached value is returned only for weights that are bit-for-bit those it was
 * computed for. Thread-safe.
 */
public final class BoundCache {

    private double[] weights;
    private String geometry;
    private double bound;

    /**
     * The bound for these weights, from the cache or from {@code compute}.
     *
     * @param geometry everything besides the weights the bound depends on (stride, input size)
     */
    public synchronized double get(INDArray w, String geometry, DoubleSupplier compute) {
        double[] current = w.castTo(DataType.DOUBLE).dup().data().asDouble();
        if (weights != null && geometry.equals(this.geometry) && Arrays.equals(current, weights)) {
            return bound;
        }
        double value = compute.getAsDouble();
        this.weights = current;
        this.geometry = geometry;
        this.bound = value;
        return value;
    }
}
