package io.github.structnet.symplectic;

import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.activations.Activation;

import java.util.ArrayList;
import java.util.List;

/**
 * Builders of whole SympNets as lists of layers to add to a {@code ListBuilder} or a graph.
 * <ul>
 *   <li>G-SympNet: alternating UP/LOW {@link GradientModule}s;</li>
 *   <li>LA-SympNet: alternating {@link LinearModule}s and {@link ActivationModule}s, ending with a linear module.</li>
 * </ul>
 * Every module is symplectic, so the composition is.
 *
 * @see <a href="https://arxiv.org/abs/2001.03750">Jin, Zhang, Zhu, Tang, Karniadakis 2020, SympNets</a>
 */
public final class SympNets {

    private SympNets() {
    }

    /**
     * @param modules number of gradient modules (≥ 1)
     * @param width   hidden width of each module
     */
    public static List<Layer> gSympNet(int modules, long width, Activation activation) {
        requirePositive(modules, "modules");
        List<Layer> layers = new ArrayList<>();
        Shear side = Shear.UP;
        for (int i = 0; i < modules; i++) {
            layers.add(new GradientModule.Builder().name("G" + i).side(side).width(width).activation(activation)
                    .build());
            side = side.other();
        }
        return layers;
    }

    /**
     * @param activations number of activation modules (≥ 1); the net has activations + 1 linear modules
     * @param sublayers   shears per linear module
     */
    public static List<Layer> laSympNet(int activations, int sublayers, Activation activation) {
        requirePositive(activations, "activations");
        List<Layer> layers = new ArrayList<>();
        Shear side = Shear.UP;
        for (int i = 0; i < activations; i++) {
            layers.add(new LinearModule.Builder().name("L" + i).side(side).sublayers(sublayers).build());
            layers.add(new ActivationModule.Builder().name("A" + i).side(side).activation(activation).build());
            side = side.other();
        }
        layers.add(new LinearModule.Builder().name("L" + activations).side(side).sublayers(sublayers).build());
        return layers;
    }

    private static void requirePositive(int n, String what) {
        if (n < 1) {
            throw new IllegalArgumentException("SympNets: " + what + " must be >= 1; got " + n);
        }
    }
}
