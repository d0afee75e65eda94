/** The ND4J backend in use (CPU, or CUDA through the {@code cuda} Maven profile) and the GPUs it can run on. */
package io.github.structnet.backend;
