package io.github.structnet.symplectic;

import io.github.structnet.certify.Symplecticity;
import io.github.structnet.ode.ImplicitMidpoint;
import io.github.structnet.spectral.SpectralNorm;
import io.github.structnet.testutil.Nets;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
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
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Newton solver of the general Hamiltonian layer: it agrees with the fixed-point iteration where that converges,
 * solves steps the fixed-point iteration cannot (h·Lip(𝕁∇H)/2 &gt; 1), and the layer built on it stays symplectic
 * with exact gradients there; where the solution branch folds it refuses, naming the layer. The stiffness bound (the
 * default) makes every step a contraction, so the same weights and step that fold unbounded are solved.
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

    /**
     * A network of one general Hamiltonian layer (width 8, step h) running with {@link #weights(double)}, its
     * stiffness bounded (the default) or not.
     */
    private static MultiLayerNetwork layerWith(double scale, double h, boolean bounded) {
        GeneralHamiltonianLayer.Builder layer = new GeneralHamiltonianLayer.Builder().width(WIDTH).step(h);
        MultiLayerNetwork net = Nets.stack(InputType.feedForward(D), 5,
                (bounded ? layer : layer.unboundedStiffness()).build());
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
        MultiLayerNetwork net = layerWith(1.0, 0.5, false);
        Nd4j.getRandom().setSeed(9);
        for (int i = 0; i < 4; i++) {
            INDArray x = Nd4j.randn(DataType.DOUBLE, 1, D);
            // backpropagation through the graph's Newton step: exact derivatives give Jᵀ𝕁J = 𝕁 to rounding
            double backprop = Symplecticity.defect(net, x);
            assertTrue(backprop <= 1e-10, "backpropagated Jacobian: defect " + backprop);
            double differences = Symplecticity.defect(in -> net.output(in), x);
            assertTrue(differences <= 1e-7, "finite-difference Jacobian: defect " + differences);
        }
        assertGradientCheck(new GeneralHamiltonianLayer.Builder().width(WIDTH).step(0.5).unboundedStiffness().build(),
                weights(1.0), "gradient check beyond contraction");
    }

    /** DL4J's gradient check of the layer (with the given weights) under an MSE output layer. */
    private static void assertGradientCheck(GeneralHamiltonianLayer layer, INDArray[] w, String what) {
        MultiLayerNetwork checked = new MultiLayerNetwork(Nets.gradientCheckBase().list()
                .layer(layer)
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(2).activation(Activation.IDENTITY)
                        .build())
                .setInputType(InputType.feedForward(D)).build());
        checked.init();
        checked.getLayer(0).setParam("A", w[0]);
        checked.getLayer(0).setParam("a", w[1]);
        checked.getLayer(0).setParam("u", w[2]);
        Nd4j.getRandom().setSeed(10);
        assertTrue(Nets.gradientsMatch(checked, Nd4j.randn(DataType.DOUBLE, 3, D), Nd4j.rand(DataType.DOUBLE, 3, 2),
                Set.of()), what);
    }

    @Test
    void aFoldedBranchIsRefusedNamingTheLayer() {
        MultiLayerNetwork net = layerWith(3.0, 0.3, false);
        INDArray x = points();
        ImplicitMidpoint.NotConvergedException e = assertThrows(ImplicitMidpoint.NotConvergedException.class,
                () -> net.output(x));
        assertTrue(e.getMessage().contains("GeneralHamiltonianLayer") && e.getMessage().contains("reduce h"),
                e.getMessage());
    }

    @Test
    void maxCurvatureIsTheSupremumOfTheSecondDerivative() {
        INDArray z = Nd4j.linspace(-10, 10, 200_001, DataType.DOUBLE).reshape(1, -1);
        for (ScalarPotential potential : ScalarPotential.values()) {
            double sampled = potential.secondDerivative(z).amaxNumber().doubleValue();
            assertTrue(sampled <= potential.maxCurvature(), potential + ": sampled |γ″| " + sampled);
            assertTrue(sampled >= potential.maxCurvature() * (1 - 1e-9), potential + ": supremum " + sampled
                    + " below the constant " + potential.maxCurvature());
        }
    }

    @Test
    void stiffnessBoundMakesEveryStepAContraction() {
        double h = 0.3;
        double rho = GeneralHamiltonianLayer.DEFAULT_CONTRACTION;
        for (ScalarPotential potential : ScalarPotential.values()) {
            INDArray[] w = weights(3.0);
            StiffnessBound bound = new StiffnessBound(rho, h, potential);
            INDArray scaled = bound.scaledOuter(w[0], w[2]);
            assertTrue(scaled.amaxNumber().doubleValue() < w[2].amaxNumber().doubleValue(),
                    potential + ": the bound should be active at scale 3");
            // (h/2)‖∇²H(x)‖₂ ≤ ρ at points near and far from the origin (∇²H symmetric: the largest |eigenvalue|)
            Nd4j.getRandom().setSeed(5);
            INDArray x = Nd4j.randn(DataType.DOUBLE, 256, D).muliColumnVector(
                    Nd4j.linspace(0.01, 3, 256, DataType.DOUBLE).reshape(256, 1));
            INDArray hessians = potential.hessian(x, w[0], w[1], scaled);
            double worst = 0;
            for (int i = 0; i < 256; i++) {
                INDArray hessian = hessians.get(NDArrayIndex.point(i), NDArrayIndex.all(), NDArrayIndex.all());
                worst = Math.max(worst, SpectralNorm.exact(hessian.dup()));
            }
            assertTrue(h / 2 * worst <= rho, potential + ": (h/2) Lip = " + h / 2 * worst);
            // the fixed-point iteration, which needs the contraction, converges
            HamiltonianMidpoint midpoint = new HamiltonianMidpoint(potential, w[0], w[1], scaled);
            INDArray start = points();
            INDArray fixedPoint = ImplicitMidpoint.step((t, y) -> midpoint.field(y), 0, start, h, 1e-13, 200);
            assertTrue(midpoint.residual(start, fixedPoint, h).amaxNumber().doubleValue() <= 1e-12, potential.name());
        }
        INDArray[] small = weights(0.1);
        assertTrue(new StiffnessBound(rho, h, ScalarPotential.TANH).scaledOuter(small[0], small[2]).equals(small[2]),
                "inactive bound: u unchanged");
    }

    @Test
    void boundedLayerSolvesWhereTheUnboundedOneFolds() {
        double h = 0.3;
        MultiLayerNetwork net = layerWith(3.0, h, true);
        INDArray x = points();
        INDArray output = net.output(x);
        INDArray[] w = weights(3.0);
        INDArray scaled = new StiffnessBound(GeneralHamiltonianLayer.DEFAULT_CONTRACTION, h, ScalarPotential.TANH)
                .scaledOuter(w[0], w[2]);
        HamiltonianMidpoint midpoint = new HamiltonianMidpoint(ScalarPotential.TANH, w[0], w[1], scaled);
        double difference = output.sub(midpoint.solve(x, h, 1e-14, 50).next()).amaxNumber().doubleValue();
        assertTrue(difference <= 1e-12, "graph and solver scale u differently: " + difference);
        for (int i = 0; i < 4; i++) {
            INDArray row = x.getRow(i, true).dup();
            double defect = Symplecticity.defect(net, row);
            assertTrue(defect <= 1e-10, "backpropagated Jacobian: defect " + defect);
        }
        assertGradientCheck(new GeneralHamiltonianLayer.Builder().width(WIDTH).step(h).build(), w,
                "gradient check through the active bound");
    }

    @Test
    void contractionSurvivesJsonAndOldConfigurationsLoadUnbounded() {
        MultiLayerNetwork net = layerWith(1.0, 0.1, true);
        String json = net.getLayerWiseConfigurations().toJson();
        GeneralHamiltonianLayer reloaded = layerOf(json);
        assertTrue(reloaded.stiffnessBound().isPresent()
                && reloaded.getContraction() == GeneralHamiltonianLayer.DEFAULT_CONTRACTION, json);
        String old = withoutField(json, "contraction");
        assertTrue(!old.contains("contraction") && old.contains("GeneralHamiltonianLayer"), old);
        assertTrue(layerOf(old).stiffnessBound().isEmpty(), "a configuration without the field runs unbounded");
    }

    private static GeneralHamiltonianLayer layerOf(String json) {
        return (GeneralHamiltonianLayer) MultiLayerConfiguration.fromJson(json).getConf(0).getLayer();
    }

    /** The JSON with every object's field of that name removed (a configuration saved before the field existed). */
    private static String withoutField(String json, String field) {
        try {
            ObjectMapper mapper = new ObjectMapper();
            JsonNode root = mapper.readTree(json);
            root.findParents(field).forEach(parent -> ((ObjectNode) parent).remove(field));
            return mapper.writeValueAsString(root);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
