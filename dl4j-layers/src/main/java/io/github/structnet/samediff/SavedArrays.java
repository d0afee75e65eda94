package io.github.structnet.samediff;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;

/**
 * The array components of a direct pass's saved record and of the records inside it (internal), so the runtime can
 * free them.
 */
final class SavedArrays {

    private SavedArrays() {
    }

    /** The non-null {@link INDArray} components of {@code saved} and of the records it holds, depth first. */
    static List<INDArray> of(Record saved) {
        List<INDArray> arrays = new ArrayList<>();
        collect(saved, arrays);
        return arrays;
    }

    private static void collect(Record saved, List<INDArray> arrays) {
        for (RecordComponent c : saved.getClass().getRecordComponents()) {
            if (!INDArray.class.isAssignableFrom(c.getType()) && !Record.class.isAssignableFrom(c.getType())) {
                continue;
            }
            Object value;
            try {
                var accessor = c.getAccessor();
                accessor.setAccessible(true);
                value = accessor.invoke(saved);
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new IllegalStateException("cannot read " + c.getName() + " of " + saved.getClass(), e);
            }
            if (value instanceof INDArray a) {
                arrays.add(a);
            } else if (value instanceof Record r) {
                collect(r, arrays);
            }
        }
    }
}
