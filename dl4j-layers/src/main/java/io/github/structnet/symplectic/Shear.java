package io.github.structnet.symplectic;

/** Which half of the phase space (q, p) a module changes: UP changes q using p, LOW changes p using q. */
public enum Shear {
    /** q ← q + ∇V(p): a shear in q. */
    UP,
    /** p ← p − ∇V(q): a shear in p. */
    LOW;

    /** The other side, for alternating stacks. */
    public Shear other() {
        return this == UP ? LOW : UP;
    }
}
