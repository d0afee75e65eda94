/**
 * The numerical routines the direct passes of StructNet's layers are written with. ND4J 1.0.0-M2.1 offers several
 * routes to the same arithmetic, and on the CPU backend they differ in speed by integer factors; each class here takes
 * the fastest route it can and falls back to ND4J's ops otherwise:
 * <ul>
 *   <li>{@link Gemm}: matrix products with α, β and a preallocated output; small ones on OpenBLAS directly
 *       ({@code DirectBlas}, on the calling thread, out of reach of ND4J's OpenMP threads), large float ones on
 *       oneDNN's matmul ({@code DirectMatmul}), the rest through {@link org.nd4j.linalg.factory.Nd4j#gemm};</li>
 *   <li>{@link Vectors} and {@link Sums}: dots, norms, copies, and sums as products with a vector of ones;</li>
 *   <li>{@link ActivationPass}: activations and their derivatives on ND4J's legacy element-wise ops or its oneDNN
 *       custom ops, whichever is faster for the size;</li>
 *   <li>{@link Convolutions} and {@link DirectConvolution}: "same" convolutions and their exact adjoints, float
 *       stride-1 ones on oneDNN directly with primitives kept per shape and thread;</li>
 *   <li>{@code DirectAdam}: the Adam step in three fused oneDNN passes;</li>
 *   <li>{@link HermitianSquares}: repeated squaring of small Hermitian matrices on OpenBLAS, for certificates;</li>
 *   <li>{@link Release}: frees the native memory of temporaries at once;</li>
 *   <li>{@link GlibcHeap}: keeps glibc's heap from holding the memory of freed arrays (a fixed {@code mmap}
 *       threshold and a background {@code malloc_trim}), so that long runs stay flat in resident memory.</li>
 * </ul>
 * The classes are exact: they compute the same values as the slow routes (tested). The measurements behind each
 * choice are in the project's {@code docs/performance.md}; {@code -Dstructnet.oneDnn=false} sends everything to ND4J.
 */
package io.github.structnet.kernels;
