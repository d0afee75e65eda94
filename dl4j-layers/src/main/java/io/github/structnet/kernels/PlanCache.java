package io.github.structnet.kernels;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * One thread's oneDNN primitives by key ({@link DirectConvolution}, {@link DirectMatmul}), built on first use. A key
 * oneDNN refuses is remembered as refused, so its calls go to ND4J from then on without trying again; when a new key
 * arrives with {@link #CAPACITY} keys held, the cache closes every plan it holds (freeing their native primitives and
 * memory objects) and starts again. A cache belongs to one thread, so no plan is closed while it runs.
 * <p>The capacity is the system property {@code structnet.planCache.capacity} (default 64): each thread that runs the
 * direct routes holds at most that many plans per cache (matrix products, Adam steps, convolution forward and
 * backward passes).
 */
final class PlanCache<K, P extends AutoCloseable> {

    /** The property that sets {@link #CAPACITY}. */
    static final String CAPACITY_PROPERTY = "structnet.planCache.capacity";
    /** The most keys one cache holds. */
    static final int CAPACITY = (int) Math.min(Integer.MAX_VALUE, Limits.positiveLong(CAPACITY_PROPERTY, 64));

    private final Map<K, Optional<P>> plans = new HashMap<>();

    /** The plan for {@code key}, built on first use; null if oneDNN refuses the key (build returns null or throws). */
    P get(K key, Function<K, P> build) {
        Optional<P> plan = plans.get(key);
        if (plan == null) {
            if (plans.size() >= CAPACITY) {
                clear();
            }
            plan = tryBuild(key, build);
            plans.put(key, plan);
        }
        return plan.orElse(null);
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
