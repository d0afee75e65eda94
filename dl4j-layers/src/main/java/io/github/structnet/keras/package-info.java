/**
 * Keras import of deel-lip models: DL4J's {@code KerasModelImport} with StructNet's custom layers registered for
 * deel-lip's class names ({@link io.github.structnet.keras.DeelLipImport}). Lipschitz dense and convolution layers
 * import with the kernel deel-lip runs at inference; sorting activations, scaled poolings and invertible
 * down-sampling become StructNet layers. Nothing of deel-lip's own claim is carried over: the imported network's
 * bound is computed by {@link io.github.structnet.certify.NetworkLipschitz} from the imported weights.
 */
package io.github.structnet.keras;
