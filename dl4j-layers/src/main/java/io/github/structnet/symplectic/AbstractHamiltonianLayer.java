package io.github.structnet.symplectic;

import lombok.Data;
import lombok.EqualsAndHashCode;

/**
 * What the learned-Hamiltonian layers share: a hidden width, a scalar potential γ, a number of integration steps,
 * and a step h that is a fixed setting of the integrator (not a parameter).
 */
@Data
@EqualsAndHashCode(callSuper = true)
public abstract class AbstractHamiltonianLayer extends PhaseSpaceLayer {

    protected long width;
    protected int steps;
    protected ScalarPotential potential;

    protected AbstractHamiltonianLayer() {
        // for Jackson
    }

    protected AbstractHamiltonianLayer(Builder<?> b) {
        super(b);
        this.width = b.width;
        this.steps = b.steps;
        this.potential = b.potential;
    }

    /** The step h is a fixed setting of the integrator, not a parameter. */
    @Override
    protected boolean stepIsParameter() {
        return false;
    }

    /** Shared settings. Defaults: tanh potential, 1 step of h = 0.1. */
    @SuppressWarnings("unchecked")
    public abstract static class Builder<T extends Builder<T>> extends PhaseSpaceLayer.Builder<T> {
        private long width;
        private int steps = 1;
        private ScalarPotential potential = ScalarPotential.TANH;

        protected Builder() {
            step(0.1);
            trainableStep(false);
        }

        /** Hidden width m of the potential(s). */
        public T width(long width) {
            this.width = width;
            return (T) this;
        }

        /** Integration steps per layer (≥ 1). */
        public T steps(int steps) {
            this.steps = steps;
            return (T) this;
        }

        public T potential(ScalarPotential potential) {
            this.potential = potential;
            return (T) this;
        }

        @Override
        protected void validate() {
            super.validate();
            if (width <= 0) {
                throw new IllegalArgumentException(owner() + ": width must be positive; got " + width);
            }
            if (steps < 1) {
                throw new IllegalArgumentException(owner() + ": steps must be >= 1; got " + steps);
            }
            if (potential == null) {
                throw new IllegalArgumentException(owner() + ": potential must be set");
            }
        }
    }
}
