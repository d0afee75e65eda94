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

    /** {@link LipschitzDenoiser} trained by the Plug-and-Play example (standard run). */
    public static final PretrainedWeights LIPSCHITZ_DENOISER = new PretrainedWeights(
            "/io/github/structnet/zoo/lipschitz-denoiser.zip",
            "d04f93f5060017cb8ef241462ea83428eed79402a59679b5ae679700daf64c7a", 1573655431L);

    /**
     * {@link #LIPSCHITZ_DENOISER} on the held-out camera and coins crops, 128×128, noise 25/255 (see
     * {@link DenoiserFigures}): noisy 19.80 dB, denoised 25.81 dB, bound 1.000000 at 128×128.
     */
    public static final DenoiserFigures LIPSCHITZ_DENOISER_FIGURES = new DenoiserFigures(128, 25.0, 8L,
            19.79676042514073, 25.81207269427183, 1.0);

    /** {@link PendulumSympNet} trained by the flow-map example (standard run). */
    public static final PretrainedWeights PENDULUM_SYMPNET = new PretrainedWeights(
            "/io/github/structnet/zoo/pendulum-sympnet.zip",
            "b48f7aeb6d7b2f6c15d86e3fdfb70b6df307f6a2c04c95d8c027b2259201ac0e", 2280714767L);

    /**
     * {@link #PENDULUM_SYMPNET} (see {@link FlowMapFigures}): one-step RMSE 8.900e-04 on 500 held-out states, largest
     * energy error 1.096e-02 over a 1,000-step rollout from (1, 0), bounded (no drift).
     */
    public static final FlowMapFigures PENDULUM_SYMPNET_FIGURES = new FlowMapFigures(500, 8L, 8.900194438355238E-4,
            1000, 0.010955977527933758);

    private ZooWeights() {
    }
}
