package io.github.structnet.certify;

/**
 * One line of a network's certificate: a layer or vertex, its own certified Lipschitz bound and how it was obtained,
 * and the bound from the network's inputs up to and including it.
 *
 * @param name       the layer or vertex, as in NetworkLipschitz's messages
 * @param bound      the layer's own bound (for combining vertices: the bound of their output, as {@code cumulative})
 * @param method     how {@code bound} was computed
 * @param cumulative the bound from the network's inputs to this layer's output
 */
public record LayerBound(String name, double bound, BoundMethod method, double cumulative) {

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "%s: %.6g (%s), up to here %.6g", name, bound, method,
                cumulative);
    }
}
