package io.github.structnet.zoo;

/**
 * What a shipped classifier scores on the first {@code images} images of its test set, as counts of correctly
 * classified images: clean, and certified at each ε (L2 radius) from the margin certificate with the network's
 * computed bound. Written by the command that exports the weights; a test reproduces them from the loaded weights.
 *
 * @param images    the number of test images (the first ones of the standard test set)
 * @param clean     correctly classified images
 * @param epsilons  the L2 radii
 * @param certified images certified correct at each radius
 * @param bound     the certified Lipschitz bound up to the logits, computed from the weights
 */
public record ClassifierFigures(int images, int clean, double[] epsilons, int[] certified, double bound) {

    /** "clean 97.9 %, certified 88.1 / 75.0 / 40.2 % at ε = 0.5 / 1.0 / 1.58 (first 1000 test images)". */
    @Override
    public String toString() {
        StringBuilder acc = new StringBuilder();
        StringBuilder eps = new StringBuilder();
        for (int i = 0; i < epsilons.length; i++) {
            acc.append(i == 0 ? "" : " / ").append(String.format(java.util.Locale.ROOT, "%.1f", 100.0 * certified[i]
                    / images));
            eps.append(i == 0 ? "" : " / ").append(epsilons[i]);
        }
        return String.format(java.util.Locale.ROOT, "clean %.1f %%, certified %s %% at ε = %s (first %d test images),"
                + " bound %.6f", 100.0 * clean / images, acc, eps, images, bound);
    }
}
