package io.github.structnet.samediff;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.common.util.ArrayUtil;

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

    private final Map<String, INDArray> buffers = new HashMap<>();
    private final Map<String, INDArray> views = new HashMap<>();
    private final Set<INDArray> owned = Collections.newSetFromMap(new IdentityHashMap<>());
    private Map<String, INDArray> gradientViews = Map.of();
    private BiFunction<DataType, long[], INDArray> results = (type, shape) -> Nd4j.createUninitialized(type, shape);

    /** Sets where the next pass's result goes and which gradient views it fills. */
    LayerMemory prepare(BiFunction<DataType, long[], INDArray> results, Map<String, INDArray> gradientViews) {
        this.results = results;
        this.gradientViews = gradientViews;
        return this;
    }

    /**
     * A c-order array of {@code shape} over the first elements of the buffer named {@code name}. The buffer only
     * grows (to the largest shape asked for under that name) and is reused for smaller shapes: with batch sizes that
     * change from call to call, no native buffer is freed and allocated again, which would leave glibc's heap
     * fragmented and the resident set climbing.
     */
    @Override
    public INDArray scratch(String name, DataType type, long... shape) {
        INDArray last = views.get(name);
        if (last != null && !last.wasClosed() && last.dataType() == type && Arrays.equals(last.shape(), shape)) {
            return last;
        }
        long length = ArrayUtil.prodLong(shape);
        INDArray buffer = buffers.get(name);
        if (buffer == null || buffer.wasClosed() || buffer.dataType() != type || buffer.length() < length) {
            if (buffer != null && !buffer.wasClosed()) {
                buffer.close();
            }
            buffer = Nd4j.createUninitialized(type, Math.max(1, length));
            buffers.put(name, buffer);
        }
        INDArray view = (length == buffer.length() ? buffer : buffer.get(NDArrayIndex.interval(0, length)))
                .reshape('c', shape);
        if (last != null) {
            owned.remove(last);
        }
        owned.add(view);
        views.put(name, view);
        return view;
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
