package io.github.structnet.certify;

/** How a layer's certified Lipschitz bound was obtained (see {@link NetworkLipschitz#breakdown}). */
public enum BoundMethod {
    /** The layer's own certificate ({@link io.github.structnet.lipschitz.LipschitzBounded}). */
    LAYER_CERTIFICATE,
    /** Gram iteration on a weight matrix (dense layers, 1×1 convolutions). */
    GRAM_ITERATION,
    /** The Fourier (torus) bound of a convolution on its input size. */
    FOURIER,
    /** The largest singular value of the layer's dense operator, built from Dirac inputs, with a rounding margin. */
    EXACT,
    /** A closed form: activations, pooling window counts, batch-normalisation scales, reshapes. */
    CLOSED_FORM,
    /** A graph vertex combining its inputs' bounds (concatenation, sums, scaling). */
    COMBINATION
}
