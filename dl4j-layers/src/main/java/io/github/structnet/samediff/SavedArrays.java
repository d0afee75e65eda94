package io.github.structnet.samediff;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
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

    /**
     * The non-null {@link INDArray} components of {@code saved} and of the records it holds, alone or in arrays,
     * depth first. Arrays of {@link INDArray} are not included: they hold scratch arrays and the pass's input.
     */
    static List<INDArray> of(Record saved) {
        List<INDArray> arrays = new ArrayList<>();
        collect(saved, arrays);
        return arrays;
    }

    private static void collect(Record saved, List<INDArray> arrays) {
        for (Method accessor : ACCESSORS.get(saved.getClass())) {
            Object value;
            try {
                value = accessor.invoke(saved);
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new IllegalStateException("cannot read " + accessor.getName() + " of " + saved.getClass(), e);
            }
            if (value instanceof INDArray a) {
                arrays.add(a);
            } else if (value instanceof Record r) {
                collect(r, arrays);
            } else if (value instanceof Record[] records) {
                for (Record r : records) {
                    if (r != null) {
                        collect(r, arrays);
                    }
                }
            }
        }
    }

    /** Per record class, the accessors of its array and record components (looked up once). */
    private static final ClassValue<List<Method>> ACCESSORS = new ClassValue<>() {
        @Override
        protected List<Method> computeValue(Class<?> type) {
            List<Method> accessors = new ArrayList<>();
            for (RecordComponent c : type.getRecordComponents()) {
                if (INDArray.class.isAssignableFrom(c.getType()) || Record.class.isAssignableFrom(c.getType())
                        || Record[].class.isAssignableFrom(c.getType())) {
                    Method accessor = c.getAccessor();
                    accessor.setAccessible(true);
                    accessors.add(accessor);
                }
            }
            return List.copyOf(accessors);
        }
    };
}
