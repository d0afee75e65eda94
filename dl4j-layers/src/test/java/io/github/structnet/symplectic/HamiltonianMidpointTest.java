package io.github.structnet.symplectic;

import io.github.structnet.certify.Symplecticity;
import io.github.structnet.ode.ImplicitMidpoint;
import io.github.structnet.testutil.Nets;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Newton solver of the general Hamiltonian layer: it agrees with the fixed-point iteration where that converges,
 * solves steps the fixed-point iteration cannot (h·Lip(𝕁∇H)/2 &gt; 1), and the layer built on it stays symplectic
 * with exact gradients there; where the solution branch folds it refuses, naming the layer.
 */
class HamiltonianMidpointTest {

    private static final int D = 4;
    private static final int WIDTH = 8;

    /** Seeded weights A [m, d], a [1, m], u [1, m], with A and u of the given scale. */
    private static INDArray[] weights(double scale) {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        Nd4j.getRandom().setSeed(7);
        INDArray a = Nd4j.randn(DataType.DOUBLE, WIDTH, D).muli(scale);
        INDArray u = Nd4j.randn(DataType.DOUBLE, 1, WIDTH).muli(scale);
        INDArray bias = Nd4j.randn(DataType.DOUBLE, 1, WIDTH).muli(0.1);
        return new INDArray[]{a, bias, u};
    }

    private static HamiltonianMidpoint solver(ScalarPotential potential, double scale) {
        INDArray[] w = weights(scale);
        return new HamiltonianMidpoint(potential, w[0], w[1], w[2]);
    }

    /** A network of one general Hamiltonian layer (width 8, step h) running with {@link #weights(double)}. */
    private static MultiLayerNetwork layerWith(double scale, double h) {
        MultiLayerNetwork net = Nets.stack(InputType.feedForward(D), 5,
                new GeneralHamiltonianLayer.Builder().width(WIDTH).step(h).build());
        INDArray[] w = weights(scale);
        net.getLayer(0).setParam("A", w[0]);
        net.getLayer(0).setParam("a", w[1]);
        net.getLayer(0).setParam("u", w[2]);
        return net;
    }

    private static INDArray points() {
        Nd4j.getRandom().setSeed(11);
        return Nd4j.randn(DataType.DOUBLE, 16, D);
    }

    @Test
    void agreesWithTheFixedPointIterationWhereBothConverge() {
        for (ScalarPotential potential : ScalarPotential.values()) {
            HamiltonianMidpoint midpoint = solver(potential, 1.0);
            INDArray x = points();
            INDArray newton = midpoint.solve(x, 0.1, 1e-14, 50).next();
            INDArray fixedPoint = ImplicitMidpoint.step((t, y) -> midpoint.field(y), 0, x, 0.1, 1e-14, 200);
            double difference = newton.sub(fixedPoint).amaxNumber().doubleValue();
            assertTrue(difference <= 1e-13, potential + ": Newton and fixed point differ by " + difference);
        }
    }

    @Test
    void solvesStepsTheFixedPointIterationCannot() {
        HamiltonianMidpoint midpoint = solver(ScalarPotential.TANH, 1.0);
        INDArray x = points();
        for (double h : new double[]{0.3, 0.5}) {
            assertThrows(ImplicitMidpoint.NotConvergedException.class,
                    () -> ImplicitMidpoint.step((t, y) -> midpoint.field(y), 0, x, h, 1e-13, 200));
            HamiltonianMidpoint.Step step = midpoint.solve(x, h, 1e-13, 50);
            double residual = midpoint.residual(x, step.next(), h).amaxNumber().doubleValue();
            assertTrue(residual <= 1e-13, "h = " + h + ": residual " + residual);
        }
    }

    @Test
    void hessianMatchesFiniteDifferencesOfTheGradient() {
        for (ScalarPotential potential : ScalarPotential.values()) {
            Nd4j.getRandom().setSeed(3);
            INDArray a = Nd4j.randn(DataType.DOUBLE, WIDTH, D);
            INDArray bias = Nd4j.randn(DataType.DOUBLE, 1, WIDTH);
            INDArray u = Nd4j.randn(DataType.DOUBLE, 1, WIDTH);
            INDArray y = Nd4j.randn(DataType.DOUBLE, 3, D);
            INDArray hessian = potential.hessian(y, a, bias, u);
            double e = 1e-5;
            for (int j = 0; j < D; j++) {
                INDArray step = Nd4j.zeros(DataType.DOUBLE, 1, D);
                step.putScalar(0, j, e);
                INDArray column = potential.gradient(y.addRowVector(step), a, bias, u)
                        .subi(potential.gradient(y.subRowVector(step), a, bias, u)).divi(2 * e);
                INDArray expected = hessian.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(j));
                double difference = column.sub(expected).amaxNumber().doubleValue();
                assertTrue(difference <= 1e-8, potential + ", column " + j + ": " + difference);
            }
        }
    }

    @Test
    void layerIsSymplecticWithExactGradientsBeyondContraction() {
        MultiLayerNetwork net = layerWith(1.0, 0.5);
        Nd4j.getRandom().setSeed(9);
        for (int i = 0; i < 4; i++) {
            INDArray x = Nd4j.randn(DataType.DOUBLE, 1, D);
            // backpropagation through the graph's Newton step: exact derivatives give Jᵀ𝕁J = 𝕁 to rounding
            double backprop = Symplecticity.defect(net, x);
            assertTrue(backprop <= 1e-10, "backpropagated Jacobian: defect " + backprop);
            double differences = Symplecticity.defect(in -> net.output(in), x);
            assertTrue(differences <= 1e-7, "finite-difference Jacobian: defect " + differences);
        }
        MultiLayerNetwork checked = new MultiLayerNetwork(Nets.gradientCheckBase().list()
                .layer(new GeneralHamiltonianLayer.Builder().width(WIDTH).step(0.5).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(2).activation(Activation.IDENTITY)
                        .build())
                .setInputType(InputType.feedForward(D)).build());
        checked.init();
        INDArray[] w = weights(1.0);
        checked.getLayer(0).setParam("A", w[0]);
        checked.getLayer(0).setParam("a", w[1]);
        checked.getLayer(0).setParam("u", w[2]);
        Nd4j.getRandom().setSeed(10);
        assertTrue(Nets.gradientsMatch(checked, Nd4j.randn(DataType.DOUBLE, 3, D), Nd4j.rand(DataType.DOUBLE, 3, 2),
                Set.of()), "gradient check beyond contraction");
    }

    @Test
    void aFoldedBranchIsRefusedNamingTheLayer() {
        MultiLayerNetwork net = layerWith(3.0, 0.3);
        INDArray x = points();
        ImplicitMidpoint.NotConvergedException e = assertThrows(ImplicitMidpoint.NotConvergedException.class,
                () -> net.output(x));
        assertTrue(e.getMessage().contains("GeneralHamiltonianLayer") && e.getMessage().contains("reduce h"),
                e.getMessage());
    }
}
