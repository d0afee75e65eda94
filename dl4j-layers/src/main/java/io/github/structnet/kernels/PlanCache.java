package io.github.structnet.kernels;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * One thread's oneDNN primitives by key ({@link DirectConvolution}, {@link DirectMatmul}, {@link DirectAdam}), built on
 * first use. A key oneDNN refuses is remembered as refused, so its calls go to ND4J from then on without trying again.
 * When a new key arrives with the capacity's worth of keys held, the least recently used one is dropped and its plan
 * closed (freeing its native primitive and memory objects). A cache belongs to one thread, so no plan is closed while
 * it runs.
 * <p>The capacity is the system property {@code structnet.planCache.capacity} (default {@value #DEFAULT_CAPACITY},
 * oneDNN's own default primitive-cache capacity): each thread that runs the direct routes holds at most that many
 * plans per cache (matrix products, Adam steps, convolution forward and backward passes). A network meets one key per
 * layer, pass and batch size; a capacity below that working set makes every step rebuild plans.
 */
final class PlanCache<K, P extends AutoCloseable> {

    /** The property that sets {@link #CAPACITY}. */
    static final String CAPACITY_PROPERTY = "structnet.planCache.capacity";
    /** The capacity when the property is not set. */
    static final int DEFAULT_CAPACITY = 1024;
    /** The most keys one cache holds, unless constructed with another capacity. */
    static final int CAPACITY = (int) Math.min(Integer.MAX_VALUE,
            Limits.positiveLong(CAPACITY_PROPERTY, DEFAULT_CAPACITY));

    private final int capacity;
    private final LinkedHashMap<K, Optional<P>> plans;

    /** A cache of {@link #CAPACITY} keys. */
    PlanCache() {
        this(CAPACITY);
    }

    /** A cache of {@code capacity} keys (at least 1). */
    PlanCache(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("PlanCache: capacity " + capacity + " is not allowed; it must be >= 1");
        }
        this.capacity = capacity;
        this.plans = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, Optional<P>> eldest) {
                if (size() <= PlanCache.this.capacity) {
                    return false;
                }
                eldest.getValue().ifPresent(Native::close);
                return true;
            }
        };
    }

    /** The plan for {@code key}, built on first use; null if oneDNN refuses the key (build returns null or throws). */
    P get(K key, Function<K, P> build) {
        Optional<P> plan = plans.get(key);
        if (plan == null) {
            plan = tryBuild(key, build);
            plans.put(key, plan);
        }
        return plan.orElse(null);
    }

    /** The most keys this cache holds. */
    int capacity() {
        return capacity;
    }

    /** The number of keys held (plans and refusals). */
    int size() {
        return plans.size();
    }

    /** Closes every plan held and forgets every key. */
    void clear() {
        for (Optional<P> plan : plans.values()) {
            plan.ifPresent(Native::close);
        }
        plans.clear();
    }

    private static <K, P> Optional<P> tryBuild(K key, Function<K, P> build) {
        try {
            return Optional.ofNullable(build.apply(key));
        } catch (RuntimeException refused) {
            return Optional.empty(); // oneDNN has no implementation for this shape, layout or stride
        }
    }
}
