package io.github.structnet.ode;

import io.github.structnet.testutil.Nets;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.RnnLossLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The invariant-preserving flows keep their invariant to 1e-12 in double at random weights, after training with a
 * large learning rate and after a ModelSerializer reload: Σᵢ xᵢ for the mass-conserving neural ODE (adaptive and fixed
 * step), det J = 1 for {@link VolumePreservingFlow}, ‖y‖ = ‖x‖ for {@link NormPreservingFlow}. Unconstrained
 * counterparts break each invariant (so the checks can fail). Gradient checks in double for all three.
 */
class InvariantFlowsTest {

    private static final double[] TIMES = {0, 0.5, 1.0, 2.0};

    private static MultiLayerNetwork train(org.deeplearning4j.nn.conf.layers.Layer flow, boolean sequence, int d,
                                           INDArray x, INDArray target, File dir) throws Exception {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        org.deeplearning4j.nn.conf.layers.Layer loss = sequence
                ? new RnnLossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY).build()
                : new LossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY).build();
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).seed(4)
                .updater(new Adam(0.05)).list().layer(flow).layer(loss).setInputType(InputType.feedForward(d)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        net.setParams(Nd4j.randn(DataType.DOUBLE, 1, net.numParams()));
        return net;
    }

    /** The network at random weights, after 30 training steps, and after a reload. */
    private static List<MultiLayerNetwork> stages(org.deeplearning4j.nn.conf.layers.Layer flow, boolean sequence,
                                                  int d, INDArray x, INDArray target, File dir) throws Exception {
        MultiLayerNetwork net = train(flow, sequence, d, x, target, dir);
        List<MultiLayerNetwork> out = new ArrayList<>();
        out.add(net.clone());
        for (int i = 0; i < 30; i++) {
            net.fit(x, target);
        }
        out.add(net);
        File file = new File(dir, "flow.zip");
        ModelSerializer.writeModel(net, file, true);
        out.add(ModelSerializer.restoreMultiLayerNetwork(file, true));
        return out;
    }

    private static INDArray flowOutput(MultiLayerNetwork net, INDArray x) {
        return net.feedForwardToLayer(0, x, false).get(1);
    }

    @Test
    void massConservingOdeKeepsTheTotal(@TempDir File dir) throws Exception {
        INDArray x = Nd4j.rand(DataType.DOUBLE, 5, 3);
        INDArray target = Nd4j.rand(DataType.DOUBLE, 5, 3, TIMES.length);
        for (RungeKuttaMethod method : new RungeKuttaMethod[]{RungeKuttaMethod.DORMAND_PRINCE, RungeKuttaMethod.RK4}) {
            NeuralOdeLayer ode = new NeuralOdeLayer.Builder().hidden(6).invariant(Invariant.MASS).times(TIMES)
                    .method(method).fixedStep(0.1).tolerances(1e-8, 1e-10).output(NeuralOdeLayer.Output.TRAJECTORY)
                    .build();
            for (MultiLayerNetwork net : stages(ode, true, 3, x, target, dir)) {
                INDArray out = flowOutput(net, x);
                INDArray start = x.sum(1);
                for (int j = 0; j < TIMES.length; j++) {
                    double drift = out.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                            org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(j))
                            .sum(1).sub(start).amaxNumber().doubleValue();
                    assertTrue(drift <= 1e-12, method + ": Σx drifts by " + drift + " at t = " + TIMES[j]);
                }
            }
        }
        NeuralOdeLayer free = new NeuralOdeLayer.Builder().hidden(6).times(TIMES)
                .output(NeuralOdeLayer.Output.TRAJECTORY).build();
        INDArray out = flowOutput(train(free, true, 3, x, target, dir), x);
        double drift = out.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.point(3)).sum(1).sub(x.sum(1)).amaxNumber().doubleValue();
        assertTrue(drift > 1e-3, "an unconstrained field changes Σx (" + drift + ")");
    }

    @Test
    void volumePreservingFlowHasUnitDeterminant(@TempDir File dir) throws Exception {
        INDArray x = Nd4j.randn(DataType.DOUBLE, 4, 5);
        INDArray target = Nd4j.randn(DataType.DOUBLE, 4, 5);
        for (MultiLayerNetwork net : stages(new VolumePreservingFlow.Builder().width(7).steps(3).step(0.4).build(),
                false, 5, x, target, dir)) {
            for (int i = 0; i < 4; i++) {
                double det = determinant(jacobian(net, x.getRow(i, true)));
                assertEquals(1.0, det, 1e-12, "det J");
            }
        }
        MultiLayerNetwork residual = train(new EulerResidual.Builder().width(7).step(0.4).build(), false, 5, x,
                target, dir);
        assertTrue(Math.abs(determinant(jacobian(residual, x.getRow(0, true))) - 1) > 1e-3,
                "an Euler residual step is not volume-preserving");
    }

    @Test
    void normPreservingFlowIsAnIsometry(@TempDir File dir) throws Exception {
        INDArray x = Nd4j.randn(DataType.DOUBLE, 6, 4);
        INDArray target = Nd4j.randn(DataType.DOUBLE, 6, 4);
        for (MultiLayerNetwork net : stages(new NormPreservingFlow.Builder().steps(3).step(0.7).build(), false, 4, x,
                target, dir)) {
            INDArray y = flowOutput(net, x);
            INDArray drift = y.norm2(1).sub(x.norm2(1)).divi(x.norm2(1));
            assertTrue(drift.amaxNumber().doubleValue() <= 1e-12, "relative norm change " + drift);
            INDArray jacobian = jacobian(net, x.getRow(0, true));
            INDArray gram = jacobian.transpose().mmul(jacobian);
            assertTrue(gram.sub(Nd4j.eye(4)).amaxNumber().doubleValue() <= 1e-12, "JᵀJ = I");
        }
    }

    @Test
    void gradientChecks() {
        INDArray x = Nd4j.rand(DataType.DOUBLE, 3, 3);
        MultiLayerNetwork mass = Nets.stack(InputType.feedForward(3), 5, new NeuralOdeLayer.Builder().hidden(4)
                .invariant(Invariant.MASS).times(TIMES).output(NeuralOdeLayer.Output.TRAJECTORY)
                .tolerances(1e-10, 1e-12).build(), new RnnLossLayer.Builder(LossFunctions.LossFunction.MSE)
                .activation(Activation.IDENTITY).build());
        assertTrue(Nets.gradientsMatch(mass, x, Nd4j.rand(DataType.DOUBLE, 3, 3, TIMES.length), Set.of()), "mass");
        for (org.deeplearning4j.nn.conf.layers.Layer flow : new org.deeplearning4j.nn.conf.layers.Layer[]{
            new VolumePreservingFlow.Builder().width(4).steps(2).step(0.3).build(),
            new NormPreservingFlow.Builder().steps(2).step(0.5).build()}) {
            MultiLayerNetwork net = Nets.stack(InputType.feedForward(3), 5, flow, Nets.mseOutput(3));
            assertTrue(Nets.gradientsMatch(net, Nd4j.randn(DataType.DOUBLE, 4, 3), Nd4j.randn(DataType.DOUBLE, 4, 3),
                    Set.of()), flow.getClass().getSimpleName());
        }
    }

    /** ∂y/∂x of the first layer at one input row, by vector–Jacobian products with the unit vectors. */
    static INDArray jacobian(MultiLayerNetwork net, INDArray row) {
        net.initGradientsView();
        Layer layer = net.getLayer(0);
        int d = (int) row.size(1);
        INDArray j = Nd4j.create(DataType.DOUBLE, d, d);
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        for (int k = 0; k < d; k++) {
            layer.setInput(row.dup(), mgr);
            layer.activate(true, mgr);
            INDArray unit = Nd4j.zeros(DataType.DOUBLE, 1, d);
            unit.putScalar(0, k, 1.0);
            j.putRow(k, layer.backpropGradient(unit, mgr).getSecond().reshape(d));
        }
        return j;
    }

    /** Determinant by Gaussian elimination with partial pivoting. */
    static double determinant(INDArray matrix) {
        int n = (int) matrix.rows();
        double[][] a = matrix.toDoubleMatrix();
        double det = 1;
        for (int c = 0; c < n; c++) {
            int pivot = c;
            for (int r = c + 1; r < n; r++) {
                if (Math.abs(a[r][c]) > Math.abs(a[pivot][c])) {
                    pivot = r;
                }
            }
            if (pivot != c) {
                double[] t = a[c];
                a[c] = a[pivot];
                a[pivot] = t;
                det = -det;
            }
            det *= a[c][c];
            for (int r = c + 1; r < n; r++) {
                double f = a[r][c] / a[c][c];
                for (int k = c; k < n; k++) {
                    a[r][k] -= f * a[c][k];
                }
            }
        }
        return det;
    }
}
