package io.github.structnet.kernels;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Constant arrays that the kernels multiply with (vectors of ones, permutation matrices), made once per name, data
 * type and size, outside DL4J's workspaces. Callers must neither modify nor close them.
 * <p>Memory: the cache holds at most {@code structnet.constants.maxBytes} bytes of array data (system property,
 * default {@value #DEFAULT_MAX_BYTES}, i.e. 64 MiB). A vector of ones exists per distinct length, and lengths follow
 * batch and image sizes, so a run with ever new sizes would otherwise grow without end; when a new array would pass
 * the limit, the cache forgets every array it holds (they are not closed: arrays in use stay valid and the garbage
 * collector frees them afterwards) and starts again.
 */
public final class Constants {

    /** The property that caps the bytes held. */
    public static final String MAX_BYTES_PROPERTY = "structnet.constants.maxBytes";
    static final long DEFAULT_MAX_BYTES = 64L << 20;

    private static final Map<Key, INDArray> CACHE = new ConcurrentHashMap<>();
    private static final AtomicLong BYTES = new AtomicLong();
    private static final long MAX_BYTES = Limits.positiveLong(MAX_BYTES_PROPERTY, DEFAULT_MAX_BYTES);

    private record Key(String name, DataType type, long size) {
    }

    private Constants() {
    }

    /** A column of ones [length, 1]. */
    public static INDArray ones(DataType type, long length) {
        return of("ones", type, length, () -> Nd4j.ones(type, length, 1));
    }

    /** The scalar 0 (rank 0). */
    static INDArray zeroScalar(DataType type) {
        return of("zero scalar", type, 1, () -> Nd4j.scalar(type, 0.0));
    }

    /** A row of zeros [1, length]. */
    public static INDArray zeros(DataType type, long length) {
        return of("zeros", type, length, () -> Nd4j.zeros(type, 1, length));
    }

    /** The array {@code name} of this type and size, made by {@code factory} on first use. */
    public static INDArray of(String name, DataType type, long size, Supplier<INDArray> factory) {
        Key key = new Key(name, type, size);
        INDArray held = CACHE.get(key);
        if (held != null) {
            return held;
        }
        INDArray made;
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            made = factory.get();
        }
        long bytes = made.length() * made.dataType().width();
        if (BYTES.addAndGet(bytes) > MAX_BYTES) {
            forgetAll();
            BYTES.addAndGet(bytes);
        }
        INDArray raced = CACHE.putIfAbsent(key, made);
        return raced != null ? raced : made;
    }

    /** The bytes of array data held now. */
    static long bytesHeld() {
        return BYTES.get();
    }

    private static synchronized void forgetAll() {
        CACHE.clear();
        BYTES.set(0);
    }
}
