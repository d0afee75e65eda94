package io.github.structnet.examples.common;

import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * A learning rate that falls from {@code initial} to {@code last} along half a cosine over {@code steps} iterations
 * and stays at {@code last} after them:
 * η(i) = last + (initial − last)·(1 + cos(π·min(i, steps)/steps))/2.
 * Used for training under a wall-clock budget, where {@code steps} is re-estimated from the measured step time
 * (see {@code LayerFamilies}).
 */
public final class CosineDecay implements ISchedule {

    private final double initial;
    private final double last;
    private final long steps;

    /**
     * @param initial the rate at iteration 0, &gt; 0
     * @param last    the rate from iteration {@code steps} on, in [0, initial]
     * @param steps   the length of the decay in iterations, &gt; 0
     */
    @JsonCreator
    public CosineDecay(@JsonProperty("initial") double initial, @JsonProperty("last") double last,
                       @JsonProperty("steps") long steps) {
        if (!(initial > 0) || Double.isInfinite(initial)) {
            throw new IllegalArgumentException("CosineDecay: initial rate must be finite and > 0; got " + initial);
        }
        if (!(last >= 0 && last <= initial)) {
            throw new IllegalArgumentException("CosineDecay: last rate must lie in [0, " + initial + "]; got " + last);
        }
        if (steps <= 0) {
            throw new IllegalArgumentException("CosineDecay: steps must be > 0; got " + steps);
        }
        this.initial = initial;
        this.last = last;
        this.steps = steps;
    }

    @JsonProperty("initial")
    public double initial() {
        return initial;
    }

    @JsonProperty("last")
    public double last() {
        return last;
    }

    @JsonProperty("steps")
    public long steps() {
        return steps;
    }

    @Override
    public double valueAt(int iteration, int epoch) {
        double progress = Math.min(Math.max(iteration, 0), steps) / (double) steps;
        return last + (initial - last) * 0.5 * (1 + Math.cos(Math.PI * progress));
    }

    @Override
    public ISchedule clone() {
        return new CosineDecay(initial, last, steps);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CosineDecay c && c.initial == initial && c.last == last && c.steps == steps;
    }

    @Override
    public int hashCode() {
        return Double.hashCode(initial) * 31 * 31 + Double.hashCode(last) * 31 + Long.hashCode(steps);
    }
}
