/**
 * Pretrained StructNet models as DL4J {@code ZooModel}s: {@code init()} builds the architecture, {@code
 * initPretrained()} returns the trained network with no network access. The weights ship as resources of this jar;
 * on first use they are copied, checked against their SHA-256 and Adler-32 checksums, into DL4J's usual zoo cache
 * directory ({@code ~/.deeplearning4j/models/<model name>/}), so that DL4J's own loading code reads them unchanged.
 * A damaged file is refused with a message naming it and both checksums, and is never left half-written.
 */
package io.github.structnet.zoo;
