/**
 * Summaries of networks that hold StructNet layers: each layer by its StructNet class, with trainable parameters
 * counted apart from state (power-iteration vectors, fixed steps), which DL4J's own {@code summary()} counts as
 * parameters and names after the shared runtime class.
 */
package io.github.structnet.summary;
