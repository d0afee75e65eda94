/**
 * Optimisers: drop-in replacements for DL4J's updaters with the same update rule and state, computed faster.
 * {@link io.github.structnet.updater.FusedAdam} is Adam in three fused oneDNN passes.
 */
package io.github.structnet.updater;
