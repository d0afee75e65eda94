package io.github.structnet.certify;

import io.github.structnet.symplectic.PhaseSpaces;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.function.UnaryOperator;

/**
 * The symplecticity defect ‖Jᵀ 𝕁 J − 𝕁‖_max of a map of the phase space at a point, with 𝕁 = [[0, I], [−I, 0]]
 * (zero for a symplectic map). Jacobians come from exact backpropagation (networks) or from fourth-order
 * central differences (any map); both in double precision.
 */
public final class Symplecticity {

    /** Step of the finite differences: truncation O(h⁴), rounding O(ε/h) ≈ 1e-13. */
    public static final double DIFFERENCE_STEP = 1e-3;

    private Symplecticity() {
    }

    /** ‖Jᵀ 𝕁 J − 𝕁‖_max for a Jacobian J [2n, 2n] with J_ij = ∂y_i/∂x_j. */
    public static double defect(INDArray jacobian) {
        if (jacobian.rank() != 2 || jacobian.rows() != jacobian.columns()) {
            throw new IllegalArgumentException("Symplecticity: the Jacobian must be square; got "
                    + java.util.Arrays.toString(jacobian.shape()));
        }
        int n = (int) PhaseSpaces.requireEven(jacobian.rows(), "Symplecticity") / 2;
        INDArray j = jacobian.castTo(DataType.DOUBLE);
        INDArray omega = PhaseSpaces.structureMatrix(n);
        return j.transpose().mmul(omega).mmul(j).subi(omega).amaxNumber().doubleValue();
    }

    /** The defect of a map at x [1, 2n], by finite differences. */
    public static double defect(UnaryOperator<INDArray> map, INDArray x) {
        return defect(jacobian(map, x));
    }

    /** The defect of a network (no output layer; input and output [mb, 2n]) at x [1, 2n], by backpropagation. */
    public static double defect(MultiLayerNetwork net, INDArray x) {
        return defect(jacobian(net, x));
    }

    /**
     * The Jacobian of a map at a point x [1, d] (any shape with batch 1, flattened), by the fourth-order stencil
     * (8(f(x+h) − f(x−h)) − (f(x+2h) − f(x−2h))) / 12h, all directions in one batched call.
     */
    public static INDArray jacobian(UnaryOperator<INDArray> map, INDArray x) {
        INDArray flat = x.castTo(DataType.DOUBLE).reshape(1, x.length());
        int d = (int) flat.length();
        INDArray eye = Nd4j.eye(d).castTo(DataType.DOUBLE);
        double h = DIFFERENCE_STEP;
        INDArray base = flat.repeat(0, d);
        INDArray batch = Nd4j.vstack(base.add(eye.mul(h)), base.sub(eye.mul(h)), base.add(eye.mul(2 * h)),
                base.sub(eye.mul(2 * h)));
        long[] shape = x.shape().clone();
        shape[0] = 4L * d;
        INDArray out = map.apply(batch.reshape(shape)).castTo(DataType.DOUBLE);
        out = out.reshape(4L * d, out.length() / (4L * d));
        INDArray plus = out.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, d),
                org.nd4j.linalg.indexing.NDArrayIndex.all());
        INDArray minus = out.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(d, 2 * d),
                org.nd4j.linalg.indexing.NDArrayIndex.all());
        INDArray plus2 = out.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(2 * d, 3 * d),
                org.nd4j.linalg.indexing.NDArrayIndex.all());
        INDArray minus2 = out.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(3 * d, 4 * d),
                org.nd4j.linalg.indexing.NDArrayIndex.all());
        INDArray columns = plus.sub(minus).muli(8).subi(plus2.sub(minus2)).divi(12 * h); // row j = ∂y/∂x_j
        return columns.transpose();
    }

    /**
     * The exact Jacobian of a network at x [1, …] by backpropagation: one batch of d copies of x, incoming
     * gradients the unit vectors, so row i of the input gradient is ∂y_i/∂x.
     */
    public static INDArray jacobian(MultiLayerNetwork net, INDArray x) {
        int d = (int) x.length();
        long[] shape = x.shape().clone();
        shape[0] = d;
        INDArray batch = x.reshape(1, d).repeat(0, d).reshape(shape);
        net.setInput(batch);
        INDArray out = net.feedForward(true, false).get(net.getnLayers());
        if (out.length() != (long) d * d) {
            throw new IllegalArgumentException("Symplecticity: the network must map its input space to itself; input "
                    + "size "
                    + d + ", output size " + out.length() / d);
        }
        INDArray eps = Nd4j.eye(d).castTo(out.dataType()).reshape(out.shape());
        INDArray grad = net.backpropGradient(eps, LayerWorkspaceMgr.noWorkspaces()).getSecond();
        net.clear();
        return grad.reshape(d, d).castTo(DataType.DOUBLE);
    }
}
