package io.github.structnet.cnf;

import io.github.structnet.ode.Solution;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.Map;
import java.util.Random;

/**
 * Densities and samples of a trained {@link ContinuousNormalizingFlow}, in double precision: the log-density of data
 * (solve from T back to 0) and samples with their log-densities (solve from 0 to T from z ~ N(0, I)),
 * <pre>
 *   log p(x) = log N(z; 0, I) − ∫₀ᵀ tr(∂f/∂x) dt,   x = x(T), z = x(0).
 * </pre>
 */
public final class FlowDensity {

    /** Points of one space with their partners in the other and their log-densities. */
    public record Points(INDArray data, INDArray latent, double[] logDensity) {
    }

    private final ContinuousNormalizingFlow flow;
    private final Map<String, INDArray> params;

    /**
     * @param flow   the layer's configuration
     * @param params its parameters (W0, b0, …; e.g. {@code network.getLayer(i).paramTable()})
     */
    public FlowDensity(ContinuousNormalizingFlow flow, Map<String, INDArray> params) {
        this.flow = flow;
        this.params = params;
    }

    /**
     * The flow of a network whose first layer is a {@link ContinuousNormalizingFlow} (the density of earlier layers'
     * transformations would be unknown).
     */
    public static FlowDensity of(MultiLayerNetwork network) {
        if (!(network.getLayer(0).conf().getLayer() instanceof ContinuousNormalizingFlow flow)) {
            throw new IllegalArgumentException("FlowDensity: the network's first layer must be a"
                    + " ContinuousNormalizingFlow; it is " + network.getLayer(0).conf().getLayer().getClass()
                    .getSimpleName());
        }
        return new FlowDensity(flow, network.getLayer(0).paramTable());
    }

    /** log p(x) for data [n, d], with the latent points z. */
    public Points logDensity(INDArray x) {
        double[] state = solve(x, flow.horizon(), 0);
        int n = (int) x.size(0);
        int d = flow.dimension();
        double[] logDensity = new double[n];
        for (int b = 0; b < n; b++) {
            logDensity[b] = FlowLikelihood.logStandardNormal(state, b * d, d) + state[n * d + b];
        }
        return new Points(x, latent(state, n), logDensity);
    }

    /** Samples: z ~ N(0, I) drawn with {@code seed} (ND4J's own generator is left alone), pushed through the flow. */
    public Points sample(int n, long seed) {
        if (n < 1) {
            throw new IllegalArgumentException(flow.describe() + ": the number of samples must be >= 1; got " + n);
        }
        Random random = new Random(seed);
        double[] z = new double[n * flow.dimension()];
        for (int i = 0; i < z.length; i++) {
            z[i] = random.nextGaussian();
        }
        return push(Nd4j.createFromArray(z).reshape(n, flow.dimension()));
    }

    /** The images x = x(T) of latent points z = x(0) [n, d] and log p(x) = log N(z) − ∫₀ᵀ tr dt. */
    public Points push(INDArray z) {
        double[] state = solve(z, 0, flow.horizon());
        int n = (int) z.size(0);
        int d = flow.dimension();
        double[] start = z.dup('c').castTo(DataType.DOUBLE).data().asDouble();
        double[] logDensity = new double[n];
        for (int b = 0; b < n; b++) {
            logDensity[b] = FlowLikelihood.logStandardNormal(start, b * d, d) - state[n * d + b];
        }
        return new Points(latent(state, n), z, logDensity);
    }

    /** Solves (points, 0) from {@code from} to {@code to}; returns the augmented end state. */
    private double[] solve(INDArray points, double from, double to) {
        flow.validateInput(points);
        int n = (int) points.size(0);
        int d = flow.dimension();
        double[] start = Arrays.copyOf(points.dup('c').castTo(DataType.DOUBLE).data().asDouble(), n * (d + 1));
        TraceField field = flow.field(flow.getOde().flatten(params), n, flow.probes(n));
        Solution solution = flow.getOde().solve(field, start, new double[]{from, to}, false);
        return solution.output(1);
    }

    private INDArray latent(double[] state, int n) {
        return Nd4j.createFromArray(Arrays.copyOf(state, n * flow.dimension())).reshape(n, flow.dimension());
    }
}
