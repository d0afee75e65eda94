package io.github.structnet.testutil;

import io.github.structnet.certify.NetworkLipschitz;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.File;
import java.io.IOException;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The guarantee tests of a 1-Lipschitz layer family: a small double-precision stack trained hard on a 3-class toy
 * problem, checked through its whole body (random and adversarially searched pairs against the certified bound) and
 * across a save and reload.
 */
public final class CertifiedStacks {

    /** Pair ratios may exceed 1 by rounding only. */
    public static final double TOLERANCE = 1 + 1e-6;

    private CertifiedStacks() {
    }

    /**
     * The network of {@code config.apply(true)} (with its loss layer) trained for 300 steps on 64 points of a 3-class
     * problem in {@code dimIn ≥ 3} dimensions.
     */
    public static MultiLayerNetwork trainThreeClass(Function<Boolean, MultiLayerConfiguration> config, int dimIn,
                                                    long seed) {
        return trainThreeClass(config, dimIn, seed, 300);
    }

    /** {@link #trainThreeClass(Function, int, long)} with another number of steps (for the slower layers). */
    public static MultiLayerNetwork trainThreeClass(Function<Boolean, MultiLayerConfiguration> config, int dimIn,
                                                    long seed, int steps) {
        Nd4j.getRandom().setSeed(seed);
        MultiLayerNetwork net = new MultiLayerNetwork(config.apply(true));
        net.init();
        INDArray x = Nd4j.randn(DataType.DOUBLE, 64, dimIn);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, 64, 3);
        for (int i = 0; i < 64; i++) {
            y.putScalar(i, x.getDouble(i, 0) * x.getDouble(i, 1) > 0 ? 0 : x.getDouble(i, 2) > 0 ? 1 : 2, 1.0);
        }
        INDArray before = net.params().dup();
        for (int step = 0; step < steps; step++) {
            net.fit(x, y);
        }
        assertTrue(!before.equals(net.params()), "training moved the weights");
        return net;
    }

    /** The network of {@code config.apply(false)} (up to the logits) with the parameters of {@code net}. */
    public static MultiLayerNetwork body(MultiLayerNetwork net, Function<Boolean, MultiLayerConfiguration> config) {
        MultiLayerNetwork body = new MultiLayerNetwork(config.apply(false));
        body.init(net.params().dup(), false);
        return body;
    }

    /**
     * Asserts that 10,000 random and 20 adversarially searched pairs stay within the body's certified bound, which is
     * at most 1, and that the body has not collapsed (searched ratio above 0.05); prints the figures.
     */
    public static void assertCertified(MultiLayerNetwork body, int dimIn, String name, String when) {
        double random = LipschitzProbe.maxRandomPairRatio(in -> body.output(in, false), dimIn, 10_000, 5);
        double adversarial = LipschitzProbe.maxAdversarialPairRatio(body, dimIn, 20, 150, 9);
        double bound = NetworkLipschitz.upperBound(body, body.getnLayers() - 1);
        assertTrue(random <= TOLERANCE, when + ": random pair ratio " + random);
        assertTrue(adversarial <= bound * (1 + 1e-9) && bound <= TOLERANCE, when + ": adversarial ratio "
                + adversarial + ", certified bound " + bound);
        System.out.printf("%s %s: random ratio %.6f, adversarial ratio %.6f, certified bound %.9f%n", name, when,
                random, adversarial, bound);
        assertTrue(adversarial > 0.05, when + ": adversarial ratio " + adversarial);
    }

    /** Saves and restores {@code net}; asserts the same configuration and bitwise the same outputs. */
    public static MultiLayerNetwork reloadBitwise(MultiLayerNetwork net, File dir, int dimIn) throws IOException {
        File file = new File(dir, "net.zip");
        ModelSerializer.writeModel(net, file, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(file, true);
        assertEquals(net.getLayerWiseConfigurations(), restored.getLayerWiseConfigurations());
        INDArray x = Nd4j.randn(DataType.DOUBLE, 10, dimIn);
        assertArrayEquals(net.output(x).data().asDouble(), restored.output(x).data().asDouble(),
                "outputs bitwise equal after reload");
        return restored;
    }
}
