package io.github.structnet.samediff;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;

/** The array components of a direct pass's saved record (internal), so the runtime can free them. */
final class SavedArrays {

    private SavedArrays() {
    }

    /** The non-null {@link INDArray} components of {@code saved}, in declaration order. */
    static List<INDArray> of(Record saved) {
        List<INDArray> arrays = new ArrayList<>();
        for (RecordComponent c : saved.getClass().getRecordComponents()) {
            if (!INDArray.class.isAssignableFrom(c.getType())) {
                continue;
            }
            try {
                var accessor = c.getAccessor();
                accessor.setAccessible(true);
                Object value = accessor.invoke(saved);
                if (value != null) {
                    arrays.add((INDArray) value);
                }
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new IllegalStateException("cannot read " + c.getName() + " of " + saved.getClass(), e);
            }
        }
        return arrays;
    }
}
