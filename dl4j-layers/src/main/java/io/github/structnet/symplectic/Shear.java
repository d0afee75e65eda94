package io.github.structnet.symplectic;

/** Which half of the phase space (q, p) a module changes: UP changes q using p, LOW changes p using q. */
public enum Shear {
    /** q ← q + ∇V(p): a shear in q. */
    UP,
    /** p ← p − ∇V(q): a shear in p. */
    LOW;

    /** +1 for UP (q ← q + …), −1 for LOW (p ← p − …): the sign of the update. */
    public double sign() {
        return this == UP ? 1.0 : -1.0;
    }

    /** The half the shear reads, as an index along the phase-space dimension: 1 (p) for UP, 0 (q) for LOW. */
    int sourceHalf() {
        return this == UP ? 1 : 0;
    }

    /** The half the shear changes: 0 (q) for UP, 1 (p) for LOW. */
    int updatedHalf() {
        return 1 - sourceHalf();
    }

    /** The other side, for alternating stacks. */
    public Shear other() {
        return this == UP ? LOW : UP;
    }
}
