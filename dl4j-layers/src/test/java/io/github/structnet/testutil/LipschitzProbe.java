package io.github.structnet.testutil;

import io.github.structnet.spectral.SpectralNorm;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Random;
import java.util.function.UnaryOperator;

/** Empirical checks of a Lipschitz bound: Jacobian norms, random pairs, adversarially searched pairs. */
public final class LipschitzProbe {

    private LipschitzProbe() {
    }

    /**
     * The largest spectral norm of the Jacobian of f over random points (standard normal, scaled), by central
     * differences in double precision (step 1e-6) and SVD.
     */
    public static double maxJacobianNorm(UnaryOperator<INDArray> f, int dim, int points, double scale, long seed) {
        Nd4j.getRandom().setSeed(seed);
        double h = 1e-6;
        double worst = 0;
        for (int p = 0; p < points; p++) {
            INDArray x = Nd4j.randn(DataType.DOUBLE, 1, dim).muli(scale);
            INDArray plus = x.repeat(0, dim).addi(Nd4j.eye(dim).castTo(DataType.DOUBLE).muli(h));
            INDArray minus = x.repeat(0, dim).subi(Nd4j.eye(dim).castTo(DataType.DOUBLE).muli(h));
            INDArray jt = f.apply(plus).sub(f.apply(minus)).divi(2 * h); // row j = ∂f/∂x_j
            worst = Math.max(worst, SpectralNorm.exact(jt));
        }
        return worst;
    }

    /** The largest ratio ‖f(x) − f(y)‖ / ‖x − y‖ over random pairs at distances from 1e-4 to 10. */
    public static double maxRandomPairRatio(UnaryOperator<INDArray> f, int dim, int pairs, long seed) {
        Nd4j.getRandom().setSeed(seed);
        Random r = new Random(seed);
        INDArray x = Nd4j.randn(DataType.DOUBLE, pairs, dim).muli(2);
        INDArray dir = Nd4j.randn(DataType.DOUBLE, pairs, dim);
        for (int i = 0; i < pairs; i++) {
            double dist = Math.pow(10, -4 + 5 * r.nextDouble());
            INDArray row = dir.getRow(i);
            row.muli(dist / row.norm2Number().doubleValue());
        }
        return maxRatio(f, x, x.add(dir));
    }

    /** Row-wise max of ‖f(x_i) − f(y_i)‖ / ‖x_i − y_i‖ (outputs of any rank, flattened per example). */
    public static double maxRatio(UnaryOperator<INDArray> f, INDArray x, INDArray y) {
        INDArray num = f.apply(x).sub(f.apply(y)).reshape(x.size(0), -1).norm2(true, 1);
        INDArray den = x.sub(y).reshape(x.size(0), -1).norm2(true, 1);
        return num.div(den).maxNumber().doubleValue();
    }

    /**
     * Searches pairs (x, y) maximising R = ‖f(x) − f(y)‖² / ‖x − y‖² by normalised gradient ascent, with the
     * gradients J(x)ᵀu from the network's backpropagation, starting from the best pairs of a random pool of
     * 100 × pairs; returns the best ratio ‖f(x) − f(y)‖ / ‖x − y‖ (not squared) evaluated at inference. Pairs have
     * the network's data type.
     */
    public static double maxAdversarialPairRatio(MultiLayerNetwork body, int dim, int pairs, int steps, long seed) {
        return maxAdversarialPairRatio(body, new long[]{dim}, pairs, steps, seed);
    }

    /** As {@link #maxAdversarialPairRatio(MultiLayerNetwork, int, int, int, long)}, for inputs of any shape. */
    public static double maxAdversarialPairRatio(MultiLayerNetwork body, long[] exampleShape, int pairs, int steps,
                                                 long seed) {
        Nd4j.getRandom().setSeed(seed);
        DataType type = body.getLayerWiseConfigurations().getDataType();
        int dim = (int) java.util.Arrays.stream(exampleShape).reduce(1, (a, b) -> a * b);
        UnaryOperator<INDArray> shapedInput = in -> in.reshape(shapeOf(in.size(0), exampleShape));
        UnaryOperator<INDArray> f = in -> body.output(shapedInput.apply(in), false);
        // start from the best pairs of a random pool, then climb
        int pool = 100 * pairs;
        INDArray px = Nd4j.randn(type, pool, dim).muli(2);
        INDArray py = px.add(Nd4j.randn(type, pool, dim).muli(0.5));
        INDArray poolRatios = f.apply(px).sub(f.apply(py)).reshape(pool, -1).norm2(true, 1)
                .div(px.sub(py).norm2(true, 1)).reshape(pool);
        INDArray order = Nd4j.sortWithIndices(poolRatios.dup(), 0, false)[0];
        INDArray x = Nd4j.create(type, pairs, dim);
        INDArray y = Nd4j.create(type, pairs, dim);
        for (int i = 0; i < pairs; i++) {
            x.putRow(i, px.getRow(order.getLong(i)));
            y.putRow(i, py.getRow(order.getLong(i)));
        }
        double best = maxRatio(f, x, y);
        for (int s = 0; s < steps; s++) {
            INDArray both = Nd4j.vstack(x, y);
            INDArray shaped = body.output(shapedInput.apply(both), false);
            INDArray out = shaped.reshape(2L * pairs, -1);
            INDArray u = out.get(NDArrayIndex.interval(0, pairs), NDArrayIndex.all())
                    .sub(out.get(NDArrayIndex.interval(pairs, 2 * pairs), NDArrayIndex.all()));
            INDArray d = x.sub(y);
            INDArray dd = d.mul(d).sum(true, 1);
            INDArray ratio = u.mul(u).sum(true, 1).div(dd);
            body.setInput(shapedInput.apply(both));
            body.feedForward(true, false);
            INDArray epsilon = Nd4j.vstack(u, u.neg()).reshape(shaped.shape());
            INDArray jtu = body.backpropGradient(epsilon, LayerWorkspaceMgr.noWorkspaces()).getSecond()
                    .reshape(2L * pairs, dim);
            INDArray gx = jtu.get(NDArrayIndex.interval(0, pairs), NDArrayIndex.all()).sub(d.mulColumnVector(ratio));
            INDArray gy = jtu.get(NDArrayIndex.interval(pairs, 2 * pairs), NDArrayIndex.all())
                    .add(d.mulColumnVector(ratio));
            double stepSize = 0.05 * Math.pow(0.98, s);
            INDArray scaleX = d.norm2(true, 1).muli(stepSize).divi(gx.norm2(true, 1).addi(1e-30));
            INDArray scaleY = d.norm2(true, 1).muli(stepSize).divi(gy.norm2(true, 1).addi(1e-30));
            x.addi(gx.mulColumnVector(scaleX));
            y.addi(gy.mulColumnVector(scaleY));
            best = Math.max(best, maxRatio(f, x, y));
        }
        return best;
    }

    private static long[] shapeOf(long n, long[] exampleShape) {
        long[] shape = new long[exampleShape.length + 1];
        shape[0] = n;
        System.arraycopy(exampleShape, 0, shape, 1, exampleShape.length);
        return shape;
    }

    /** A layer of a network as a function at inference. */
    public static UnaryOperator<INDArray> layerAtInference(MultiLayerNetwork net, int index) {
        return in -> net.getLayer(index).activate(in, false, LayerWorkspaceMgr.noWorkspaces()).dup();
    }
}
