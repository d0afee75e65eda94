package io.github.structnet.symplectic;

import io.github.structnet.certify.Symplecticity;
import io.github.structnet.ode.EulerResidual;
import io.github.structnet.ode.SymplecticMethod;
import io.github.structnet.testutil.Nets;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Jᵀ𝕁J = 𝕁 to 1e-10 (double, exact Jacobians by backpropagation) for every symplectic module, the conv block,
 * the Hamiltonian layers and whole networks, at random points with random weights (several seeds). Negative
 * control: a non-symplectic Euler residual layer has a large defect, so the check can fail.
 */
class SymplecticityTest {

    static final double TOLERANCE = 1e-10;

    static double worstDefect(MultiLayerNetwork net, int dim, int points, long seed) {
        Nd4j.getRandom().setSeed(seed);
        double worst = 0;
        for (int i = 0; i < points; i++) {
            worst = Math.max(worst, Symplecticity.defect(net, Nd4j.randn(DataType.DOUBLE, 1, dim)));
        }
        return worst;
    }

    static void assertSymplectic(String what, int dim, Layer... layers) {
        for (long seed : new long[]{1, 2, 3}) {
            MultiLayerNetwork net = Nets.stack(InputType.feedForward(dim), seed, layers);
            double d = worstDefect(net, dim, 5, seed);
            assertTrue(d <= TOLERANCE, what + " (seed " + seed + "): defect " + d);
        }
    }

    @Test
    void gradientModules() {
        for (Shear side : Shear.values()) {
            for (Activation a : new Activation[]{Activation.TANH, Activation.SIGMOID, Activation.SOFTPLUS}) {
                assertSymplectic("gradient module " + side + " " + a, 6,
                        new GradientModule.Builder().side(side).width(7).activation(a).step(0.7).build());
            }
        }
    }

    @Test
    void linearAndActivationModules() {
        for (Shear side : Shear.values()) {
            assertSymplectic("linear module " + side, 6, new LinearModule.Builder().side(side).sublayers(3).build());
            assertSymplectic("activation module " + side, 6, new ActivationModule.Builder().side(side).build());
        }
    }

    @Test
    void wholeSympNets() {
        List<Layer> g = SympNets.gSympNet(6, 10, Activation.TANH);
        assertSymplectic("G-SympNet", 4, g.toArray(new Layer[0]));
        List<Layer> la = SympNets.laSympNet(3, 2, Activation.SIGMOID);
        assertSymplectic("LA-SympNet", 4, la.toArray(new Layer[0]));
    }

    @Test
    void hamiltonianLayers() {
        for (SymplecticMethod i : new SymplecticMethod[]{SymplecticMethod.STORMER_VERLET,
                SymplecticMethod.SYMPLECTIC_EULER}) {
            assertSymplectic("separable Hamiltonian " + i, 4,
                    new SeparableHamiltonianLayer.Builder().width(8).steps(3).step(0.2).integrator(i).build());
        }
        assertSymplectic("general Hamiltonian, implicit midpoint", 4,
                new GeneralHamiltonianLayer.Builder().width(8).steps(1).step(0.05).build());
    }

    @Test
    void symplecticConvBlock() {
        for (Shear side : Shear.values()) {
            for (long seed : new long[]{1, 2}) {
                MultiLayerNetwork net = Nets.stack(InputType.convolutional(3, 3, 4), seed,
                        new SymplecticConv2D.Builder().side(side).hiddenChannels(3).step(0.5).build(),
                        new SymplecticConv2D.Builder().side(side.other()).hiddenChannels(5).build());
                Nd4j.getRandom().setSeed(seed);
                INDArray x = Nd4j.randn(DataType.DOUBLE, 1, 4, 3, 3);
                INDArray j = Symplecticity.jacobian(net, x);
                // channel-major flattening: q = first 2 channels × 9 pixels, p = last 2 × 9, paired in order
                double d = Symplecticity.defect(j);
                assertTrue(d <= TOLERANCE, "conv block " + side + ": defect " + d);
            }
        }
    }

    @Test
    void nonSymplecticLayerFailsTheCheck() {
        MultiLayerNetwork net = Nets.stack(InputType.feedForward(4), 1,
                new EulerResidual.Builder().width(6).step(0.5).build());
        assertTrue(worstDefect(net, 4, 3, 1) > 1e-3, "the Euler residual layer is not symplectic");
    }
}
