package io.github.structnet.examples.quickstart;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

/** The two-moons data set: two interleaved half circles in the plane, with Gaussian noise. */
public final class TwoMoons {

    private TwoMoons() {
    }

    /**
     * @param n     number of points (half per class)
     * @param noise standard deviation of the Gaussian noise added to each coordinate
     * @return features [n, 2] and one-hot labels [n, 2]
     */
    public static DataSet generate(int n, double noise, long seed) {
        if (n < 2) {
            throw new IllegalArgumentException("TwoMoons: n must be at least 2; got " + n);
        }
        if (!(noise >= 0)) {
            throw new IllegalArgumentException("TwoMoons: noise must be >= 0; got " + noise);
        }
        Random r = new Random(seed);
        INDArray x = Nd4j.create(DataType.FLOAT, n, 2);
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, 2);
        for (int i = 0; i < n; i++) {
            int c = i % 2;
            double t = Math.PI * r.nextDouble();
            double px = c == 0 ? Math.cos(t) : 1 - Math.cos(t);
            double py = c == 0 ? Math.sin(t) : 0.5 - Math.sin(t);
            x.putScalar(i, 0, px + noise * r.nextGaussian());
            x.putScalar(i, 1, py + noise * r.nextGaussian());
            y.putScalar(i, c, 1.0);
        }
        return new DataSet(x, y);
    }
}
