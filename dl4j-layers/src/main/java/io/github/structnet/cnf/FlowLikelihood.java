package io.github.structnet.cnf;

import io.github.structnet.lipschitz.PerExampleLoss;
import lombok.EqualsAndHashCode;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The negative log-likelihood of a flow's output [z, c] (a {@link ContinuousNormalizingFlow}'s [minibatch, d + 1]),
 * for a DL4J loss layer with identity activation:
 * <pre>
 *   ℓ(x) = −log p(x) = ½‖z‖² + (d/2) log 2π − c
 * </pre>
 * per example, averaged over the minibatch by DL4J. Labels are not used (pass the features, or any array with one
 * row per example); a per-example mask [minibatch, 1] leaves masked examples out.
 */
@EqualsAndHashCode(callSuper = false)
public class FlowLikelihood extends PerExampleLoss {

    private static final double LOG_TWO_PI = Math.log(2 * Math.PI);

    /** log N(z; 0, I) of the d values of {@code z} from {@code offset}. */
    public static double logStandardNormal(double[] z, int offset, int d) {
        double square = 0;
        for (int i = 0; i < d; i++) {
            square += z[offset + i] * z[offset + i];
        }
        return -0.5 * square - 0.5 * d * LOG_TWO_PI;
    }

    private static double[] values(INDArray preOutput, IActivation activationFn) {
        return activationFn.getActivation(preOutput.dup(), true).castTo(DataType.DOUBLE).dup('c').data().asDouble();
    }

    private static int width(INDArray preOutput) {
        if (preOutput.rank() != 2 || preOutput.size(1) < 2) {
            throw new IllegalArgumentException("FlowLikelihood: expected a flow's output [minibatch, d + 1] (latent z"
                    + " and log-density change c); got shape " + java.util.Arrays.toString(preOutput.shape()));
        }
        return (int) preOutput.size(1);
    }

    private static double[] mask(INDArray mask, int rows) {
        if (mask == null) {
            return null;
        }
        if (mask.length() != rows) {
            throw new IllegalArgumentException("FlowLikelihood: the mask must hold one value per example ("
                    + rows + "); got shape " + java.util.Arrays.toString(mask.shape()));
        }
        return mask.dup('c').castTo(DataType.DOUBLE).data().asDouble();
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        int width = width(preOutput);
        int rows = (int) preOutput.size(0);
        double[] out = values(preOutput, activationFn);
        double[] m = mask(mask, rows);
        double[] scores = new double[rows];
        for (int b = 0; b < rows; b++) {
            double nll = -logStandardNormal(out, b * width, width - 1) - out[b * width + width - 1];
            scores[b] = m == null ? nll : m[b] * nll;
        }
        return Nd4j.createFromArray(scores).reshape(rows, 1).castTo(preOutput.dataType());
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        int width = width(preOutput);
        int rows = (int) preOutput.size(0);
        double[] out = values(preOutput, activationFn);
        double[] m = mask(mask, rows);
        double[] gradient = new double[out.length];
        for (int b = 0; b < rows; b++) {
            double weight = m == null ? 1 : m[b];
            for (int i = 0; i < width - 1; i++) {
                gradient[b * width + i] = weight * out[b * width + i];
            }
            gradient[b * width + width - 1] = -weight;
        }
        INDArray g = Nd4j.createFromArray(gradient).reshape(rows, width).castTo(preOutput.dataType());
        return activationFn.backprop(preOutput.dup(), g).getFirst();
    }

    @Override
    public String name() {
        return "FlowLikelihood";
    }
}
