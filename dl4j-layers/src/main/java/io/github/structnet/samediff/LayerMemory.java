package io.github.structnet.samediff;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * The {@link PassMemory} of one layer instance in a network (internal): scratch arrays kept across iterations,
 * results allocated where the runtime says (DL4J's activation or gradient workspace), and the layer's gradient views.
 */
final class LayerMemory implements PassMemory {

    private final Map<String, INDArray> scratch = new HashMap<>();
    private final Set<INDArray> owned = Collections.newSetFromMap(new IdentityHashMap<>());
    private Map<String, INDArray> gradientViews = Map.of();
    private BiFunction<DataType, long[], INDArray> results = (type, shape) -> Nd4j.createUninitialized(type, shape);

    /** Sets where the next pass's result goes and which gradient views it fills. */
    LayerMemory prepare(BiFunction<DataType, long[], INDArray> results, Map<String, INDArray> gradientViews) {
        this.results = results;
        this.gradientViews = gradientViews;
        return this;
    }

    @Override
    public INDArray scratch(String name, DataType type, long... shape) {
        INDArray a = scratch.get(name);
        if (a == null || a.wasClosed() || a.dataType() != type || !Arrays.equals(a.shape(), shape)) {
            if (a != null) {
                owned.remove(a);
                a.close();
            }
            a = Nd4j.createUninitialized(type, shape);
            scratch.put(name, a);
            owned.add(a);
        }
        return a;
    }

    @Override
    public INDArray result(DataType type, long... shape) {
        return results.apply(type, shape);
    }

    @Override
    public INDArray gradient(String key) {
        INDArray view = gradientViews.get(key);
        if (view == null) {
            throw new IllegalStateException("no gradient view for parameter '" + key + "'; views exist for "
                    + gradientViews.keySet());
        }
        owned.add(view);
        return view;
    }

    @Override
    public boolean owns(INDArray array) {
        return owned.contains(array);
    }
}
