package io.github.structnet.examples.flows;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

/**
 * The 2-D toy densities of the flow literature, with their exact log-densities where they are known:
 * <ul>
 *   <li>{@link #EIGHT_GAUSSIANS}: an equal mixture of N(cₖ, σ²I), cₖ on the circle of radius 2√2 at angles kπ/4,
 *       σ = 0.5/√2 (FFJORD's "8gaussians");</li>
 *   <li>{@link #TWO_MOONS}: two interleaved half circles with Gaussian noise 0.1 (no closed-form density);</li>
 *   <li>{@link #CHECKERBOARD}: uniform on the 8 black squares of a 4×4 board on [−4, 4]², scaled by ½ (density
 *       1/8 on its support of area 8, entropy log 8).</li>
 * </ul>
 */
public enum ToyDensity {
    EIGHT_GAUSSIANS, TWO_MOONS, CHECKERBOARD;

    private static final double RADIUS = 2 * Math.sqrt(2);
    private static final double SIGMA = 0.5 / Math.sqrt(2);
    private static final double MOON_NOISE = 0.1;

    /** n samples [n, 2]. */
    public INDArray sample(int n, Random random) {
        double[] xy = new double[2 * n];
        for (int i = 0; i < n; i++) {
            switch (this) {
                case EIGHT_GAUSSIANS -> {
                    double angle = random.nextInt(8) * Math.PI / 4;
                    xy[2 * i] = RADIUS * Math.cos(angle) + SIGMA * random.nextGaussian();
                    xy[2 * i + 1] = RADIUS * Math.sin(angle) + SIGMA * random.nextGaussian();
                }
                case TWO_MOONS -> {
                    double angle = Math.PI * random.nextDouble();
                    boolean upper = random.nextBoolean();
                    double x = upper ? Math.cos(angle) : 1 - Math.cos(angle);
                    double y = upper ? Math.sin(angle) : 0.5 - Math.sin(angle);
                    xy[2 * i] = 1.5 * (x - 0.5) + MOON_NOISE * random.nextGaussian();
                    xy[2 * i + 1] = 1.5 * (y - 0.25) + MOON_NOISE * random.nextGaussian();
                }
                case CHECKERBOARD -> {
                    int column = random.nextInt(4);
                    int row = 2 * random.nextInt(2) + (column % 2);
                    xy[2 * i] = 0.5 * (-4 + 2 * column + 2 * random.nextDouble());
                    xy[2 * i + 1] = 0.5 * (-4 + 2 * row + 2 * random.nextDouble());
                }
                default -> throw new IllegalStateException(name());
            }
        }
        return Nd4j.createFromArray(xy).reshape(n, 2).castTo(DataType.DOUBLE);
    }

    /** Whether the exact log-density is known ({@link #logDensity}). */
    public boolean hasKnownDensity() {
        return this != TWO_MOONS;
    }

    /** The exact log-density at (x, y). */
    public double logDensity(double x, double y) {
        return switch (this) {
            case EIGHT_GAUSSIANS -> {
                double sum = 0;
                for (int k = 0; k < 8; k++) {
                    double dx = x - RADIUS * Math.cos(k * Math.PI / 4);
                    double dy = y - RADIUS * Math.sin(k * Math.PI / 4);
                    sum += Math.exp(-(dx * dx + dy * dy) / (2 * SIGMA * SIGMA));
                }
                yield Math.log(sum / (8 * 2 * Math.PI * SIGMA * SIGMA));
            }
            case CHECKERBOARD -> {
                boolean inside = Math.abs(x) < 2 && Math.abs(y) < 2
                        && ((int) Math.floor(x + 2) + (int) Math.floor(y + 2)) % 2 == 0;
                yield inside ? -Math.log(8) : Double.NEGATIVE_INFINITY;
            }
            default -> throw new IllegalStateException(name() + " has no closed-form density");
        };
    }

    /** The panel's plotting window half-width. */
    public double extent() {
        return this == TWO_MOONS ? 1.6 : this == CHECKERBOARD ? 2.2 : 4.0;
    }
}
