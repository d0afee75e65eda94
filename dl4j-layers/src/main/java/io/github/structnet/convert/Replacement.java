package io.github.structnet.convert;

/**
 * One line of a conversion report: what a layer or vertex of the original network became, and why.
 *
 * @param original the original layer or vertex (index or name, and class)
 * @param converted what replaces it (names of the new layers or vertices, or "removed")
 * @param reason    the reason, in the terms of the 1-Lipschitz guarantee
 */
public record Replacement(String original, String converted, String reason) {

    @Override
    public String toString() {
        return original + " -> " + converted + ": " + reason;
    }
}
