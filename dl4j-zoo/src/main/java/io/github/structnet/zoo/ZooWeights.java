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
            "fa061f9136a79cf0b25a2d4d67192c6c769258414982699c59dfed8ef56dda04", 273740986L);

    /**
     * {@link #CERTIFIED_MNIST} on the first 1,000 MNIST test images: clean 97.0 %, certified 90.1 / 71.7 / 33.0 % at
     * ε = 0.5 / 1.0 / 1.58, bound 1.000000. (On all 10,000: clean 97.7 %, certified 92.0 / 76.3 / 40.9 %.)
     */
    public static final ClassifierFigures CERTIFIED_MNIST_FIGURES = new ClassifierFigures(1000, 970,
            new double[]{0.5, 1.0, 1.58}, new int[]{901, 717, 330}, 0.9999999999997845);

    /** {@link CertifiedMnistClassifier} trained on Fashion-MNIST (certified-MNIST example, standard run). */
    public static final PretrainedWeights CERTIFIED_FASHION_MNIST = new PretrainedWeights(
            "/io/github/structnet/zoo/certified-fashion-mnist.zip",
            "c07041eec913bdcf94c0ddbb4ddd184d96028eabee2c8ab01cc0aec9888443c9", 743092615L);

    /**
     * {@link #CERTIFIED_FASHION_MNIST} on the first 1,000 Fashion-MNIST test images: clean 88.5 %, certified 87.0 /
     * 70.4 / 47.7 % at ε = 0.1 / 0.5 / 1.0, bound 1.000000. (On all 10,000: clean 87.7 %, certified 69.5 / 48.3 /
     * 24.1 % at ε = 0.5 / 1.0 / 1.58.)
     */
    public static final ClassifierFigures CERTIFIED_FASHION_MNIST_FIGURES = new ClassifierFigures(1000, 885,
            new double[]{0.1, 0.5, 1.0}, new int[]{870, 704, 477}, 0.9999999999997484);

    private ZooWeights() {
    }
}
