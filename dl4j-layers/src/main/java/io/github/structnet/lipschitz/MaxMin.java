package io.github.structnet.lipschitz;

import lombok.EqualsAndHashCode;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.BaseActivationFunction;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * MaxMin (GroupSort with groups of 2): the features split into halves a, b (feature-wise for [mb, d], channel-wise
 * for [mb, C, H, W]) and
 * <pre>
 *   MaxMin(a, b) = (max(a, b), min(a, b))   element-wise
 * </pre>
 * <b>Guarantee.</b> On each region the map is a permutation of coordinates, so it is 1-Lipschitz and gradient-norm
 * preserving (‖Jᵀε‖ = ‖ε‖), unlike ReLU, which can only lose gradient norm. Needs an even feature / channel count.
 * Use it in DL4J's {@code ActivationLayer} (certified by {@code NetworkLipschitz}) or any layer taking an
 * {@code IActivation}.
 *
 * @see <a href="https://arxiv.org/abs/1811.05381">Anil, Lucas, Grosse 2019, Sorting out Lipschitz function
 * approximation</a>
 */
@EqualsAndHashCode(callSuper = false)
public class MaxMin extends BaseActivationFunction {

    @Override
    public INDArray getActivation(INDArray in, boolean training) {
        INDArray[] ab = halves(in);
        // in place, as DL4J's layers expect (the result must stay in the array's workspace)
        long half = in.size(1) / 2;
        in.get(range(in, 0, half)).assign(Nd4j.math().max(ab[0], ab[1]));
        in.get(range(in, half, 2 * half)).assign(Nd4j.math().min(ab[0], ab[1]));
        return in;
    }

    @Override
    public Pair<INDArray, INDArray> backprop(INDArray in, INDArray epsilon) {
        assertShape(in, epsilon);
        INDArray[] ab = halves(in);
        INDArray[] e = halves(epsilon);
        INDArray aWins = ab[0].sub(ab[1]).gte(0.0).castTo(in.dataType());
        INDArray bWins = aWins.rsub(1.0);
        INDArray da = e[0].mul(aWins).addi(e[1].mul(bWins));
        INDArray db = e[0].mul(bWins).addi(e[1].mul(aWins));
        long half = in.size(1) / 2;
        in.get(range(in, 0, half)).assign(da);
        in.get(range(in, half, 2 * half)).assign(db);
        return new Pair<>(in, null);
    }

    private static INDArray[] halves(INDArray x) {
        long size = x.size(1);
        if (size % 2 != 0) {
            throw new IllegalArgumentException("MaxMin: the number of features (dimension 1) must be even; got " + size
                    + " in shape " + java.util.Arrays.toString(x.shape()));
        }
        return new INDArray[]{x.get(range(x, 0, size / 2)).dup(), x.get(range(x, size / 2, size)).dup()};
    }

    private static INDArrayIndex[] range(INDArray x, long from, long to) {
        INDArrayIndex[] idx = new INDArrayIndex[x.rank()];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i == 1 ? NDArrayIndex.interval(from, to) : NDArrayIndex.all();
        }
        return idx;
    }

    @Override
    public String toString() {
        return "maxmin";
    }
}
