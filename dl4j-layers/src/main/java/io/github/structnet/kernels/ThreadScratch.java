package io.github.structnet.kernels;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashMap;
import java.util.Map;

/**
 * Row vectors a thread reuses from call to call (internal), for routines that run outside any layer's pass memory,
 * such as the once-per-iteration power-iteration update. In ND4J 1.0.0-M2.1 every new array, a view included,
 * registers a deallocator that lives until a garbage collection, and every young collection copies the deallocators
 * registered since the last one; a training step of a small model made hundreds.
 * <p>An array is valid until the same thread asks for the same name, type and length again; callers use it within one
 * call and never close it. Each thread holds at most {@value #MAX_BYTES} bytes; past that it forgets what it holds
 * (not closed: arrays in use stay valid, the collector frees them) and starts again.
 */
public final class ThreadScratch {

    static final long MAX_BYTES = 16L << 20;

    private record Key(String name, DataType type, long length) {
    }

    private static final class Held {
        final Map<Key, INDArray> arrays = new HashMap<>();
        long bytes;
    }

    private static final ThreadLocal<Held> HELD = ThreadLocal.withInitial(Held::new);

    private ThreadScratch() {
    }

    /** A c-order row [1, length] of this type for the calling thread; its contents are undefined. */
    public static INDArray row(String name, DataType type, long length) {
        Held held = HELD.get();
        Key key = new Key(name, type, length);
        INDArray row = held.arrays.get(key);
        if (row != null) {
            return row;
        }
        long bytes = length * type.width();
        if (held.bytes + bytes > MAX_BYTES) {
            held.arrays.clear();
            held.bytes = 0;
        }
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            row = Nd4j.createUninitialized(type, 1, length);
        }
        held.arrays.put(key, row);
        held.bytes += bytes;
        return row;
    }
}
