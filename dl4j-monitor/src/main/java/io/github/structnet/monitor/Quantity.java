package io.github.structnet.monitor;

/** What a {@link Measurement} measures. */
public enum Quantity {
    /** The network's score (loss) on the last minibatch, as DL4J reports it. */
    SCORE,
    /** σ̂ = ‖A v̂‖₂ from a layer's power-iteration vector: the norm estimate a training pass normalises by. */
    POWER_ITERATION_ESTIMATE,
    /** A layer's certified Lipschitz bound (ℓ2), computed from its current parameters as inference runs. */
    LAYER_BOUND,
    /** The certified Lipschitz bound of the network up to the monitored output (product over its layers). */
    NETWORK_BOUND,
    /** A layer's step size: τ of a gradient-flow block, h of a symplectic, Hamiltonian or ODE layer. */
    STEP_SIZE,
    /** max |(Jᵀ𝕁J − 𝕁)_ij| of the network's map at the probe point (0 for an exactly symplectic map). */
    SYMPLECTICITY_DEFECT,
    /** max_k |H(x_k) − H(x_0)| along a rollout of the network's map from the chosen start. */
    ENERGY_ERROR,
    /** Accuracy on the evaluation set. */
    CLEAN_ACCURACY,
    /** Certified accuracy at radius ε (the measurement's source names ε). */
    CERTIFIED_ACCURACY
}
