/**
 * Optimisers: drop-in replacements for DL4J's updaters with the same update rule and state, computed faster.
 * {@link io.github.structnet.updater.FusedAdam} is Adam in three fused oneDNN passes;
 * {@link io.github.structnet.updater.InPlaceUpdate} lets DL4J's updater apply a network's own gradient through the
 * views it made once instead of new views at every iteration.
 */
package io.github.structnet.updater;
