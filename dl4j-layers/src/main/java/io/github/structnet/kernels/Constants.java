package io.github.structnet.kernels;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Constant arrays that the kernels multiply with (vectors of ones, permutation matrices), made once per name, data
 * type and size, outside DL4J's workspaces, and kept for the life of the JVM. Callers must neither modify nor close
 * them.
 */
public final class Constants {

    private static final Map<Key, INDArray> CACHE = new ConcurrentHashMap<>();

    private record Key(String name, DataType type, long size) {
    }

    private Constants() {
    }

    /** A column of ones [length, 1]. */
    public static INDArray ones(DataType type, long length) {
        return of("ones", type, length, () -> Nd4j.ones(type, length, 1));
    }

    /** The array {@code name} of this type and size, made by {@code factory} on first use. */
    public static INDArray of(String name, DataType type, long size, Supplier<INDArray> factory) {
        return CACHE.computeIfAbsent(new Key(name, type, size), k -> {
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                return factory.get();
            }
        });
    }
}
