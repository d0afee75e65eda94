/**
 * The fast ND4J calls that the direct passes of StructNet's layers are written with. ND4J 1.0.0-M2.1 offers several
 * routes to the same arithmetic and their speeds differ by integer factors on the CPU backend (measured on 2 cores,
 * AVX-512, oneDNN build):
 * <ul>
 *   <li>[256, 1024]·[1024, 1024]ᵀ takes 4–9 ms through {@code INDArray.mmul} and 1.8–2.0 ms through
 *       {@link org.nd4j.linalg.factory.Nd4j#gemm} with a preallocated output, α and β ({@link Gemm});</li>
 *   <li>inside a training step, small products through {@code Nd4j.gemm} took 150–200 µs each (profiled at width
 *       64; 28 µs standalone), because they run on ND4J's OpenMP threads; one {@code cblas_sgemm} on the arrays'
 *       buffers, on the calling thread, does not wait for them, so small products, dots, norms and copies call
 *       OpenBLAS directly ({@code DirectBlas}, behind {@link Gemm}, {@link Vectors} and {@link Sums});</li>
 *   <li>the activation functions' {@code getActivation}/{@code backprop} run custom ops ({@code relu},
 *       {@code relu_bp}): ReLU's backprop on 64×32×28×28 takes 11 ms; inside a training step the legacy
 *       {@code step} op and a multiply take 1.1 ms, one legacy compare-and-set 2.0 ms, while on 256×64 the single
 *       compare-and-set wins (20 against 40 µs) ({@link ActivationPass});</li>
 *   <li>tanh of 64×16×28×28 floats takes 2.4 ms as the legacy op and 0.3–0.4 ms as the {@code tanh} custom op, which
 *       runs on oneDNN (within one float ulp); on 256×64 the legacy op is faster ({@link ActivationPass});</li>
 *   <li>ND4J's {@code conv2d}/{@code conv2d_bp} rebuild oneDNN's primitive descriptors on every call, reorder the
 *       output gradient twice, and run the forward pass with the direct algorithm; calling oneDNN 2.5 directly with
 *       primitives kept per shape, Winograd for 3×3 and one reorder per operand takes a 3×3, 32-channel convolution
 *       of a 64×28×28 batch from 3.9 to 2.6 ms forward and 5.9 to 4.3 ms backward in NCHW
 *       ({@link DirectConvolution}, behind {@code spectral.Convolutions});</li>
 *   <li>{@code sumNumber} and {@code sum(0)} read memory at about 4 GB/s, a product with a vector of ones at
 *       10–15 GB/s ({@link Sums}).</li>
 * </ul>
 * The classes are exact: they compute the same values as the slow routes (tested), only faster.
 */
package io.github.structnet.kernels;
