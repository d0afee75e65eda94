/**
 * Screening training data before it reaches a network: minibatches that are empty, hold NaN or infinite values, or
 * change shape are refused with a message naming the batch and the problem, or skipped and counted
 * ({@link io.github.structnet.data.ScreenedDataSetIterator}).
 *
 * <p>StructNet layers refuse non-finite inputs themselves, before anything is updated; labels, however, only meet
 * DL4J's loss functions, which turn a NaN label into NaN gradients and so into NaN parameters without a word. Screening
 * the iterator keeps such a batch from ever reaching {@code fit}.
 */
package io.github.structnet.data;
