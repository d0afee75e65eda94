package io.github.structnet.wasserstein;

import io.github.structnet.lipschitz.PerExampleLoss;
import lombok.Data;
import lombok.EqualsAndHashCode;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The Kantorovich–Rubinstein loss of a critic f, optionally with a hinge term, for a DL4J output or loss layer with
 * one output (identity activation). Labels are +1 for samples of the first distribution P and −1 for the second Q.
 * <pre>
 *   ℓ = −(mean_{y=+1} f − mean_{y=−1} f) + α · mean max(0, m − y f)
 * </pre>
 * With α = 0 (KR, {@link #plain()}) minimising ℓ maximises the KR estimate E_P[f] − E_Q[f], which for a 1-Lipschitz f
 * is a lower bound of W₁(P, Q). With α &gt; 0 (hinge-KR, {@link #hinge}) the critic also separates the two samples by a
 * margin m. As DL4J scores per example, example i carries −n·yᵢfᵢ/n_{yᵢ} + α·max(0, m − yᵢfᵢ), whose mean over the n
 * examples is ℓ; a masked-out example counts in neither class.
 *
 * @see <a href="https://arxiv.org/abs/2006.06520">Béthune, Boissin, Serrurier, Mamalet, Friedrich, González-Sanz
 * 2022, Pay attention to your loss: understanding misconceptions about 1-Lipschitz neural networks</a>
 */
@Data
@EqualsAndHashCode(callSuper = false)
public class KantorovichRubinstein extends PerExampleLoss {

    private double alpha;
    private double margin;

    private KantorovichRubinstein() {
        // for Jackson
    }

    private KantorovichRubinstein(double alpha, double margin) {
        if (!(alpha >= 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException("KantorovichRubinstein: alpha must be finite and >= 0; got " + alpha);
        }
        if (!(margin > 0) || Double.isInfinite(margin)) {
            throw new IllegalArgumentException("KantorovichRubinstein: margin must be positive and finite; got "
                    + margin);
        }
        this.alpha = alpha;
        this.margin = margin;
    }

    /** The KR loss −(mean_P f − mean_Q f). */
    public static KantorovichRubinstein plain() {
        return new KantorovichRubinstein(0, 1);
    }

    /** The hinge-KR loss: KR plus α · mean max(0, m − y f). */
    public static KantorovichRubinstein hinge(double alpha, double margin) {
        return new KantorovichRubinstein(alpha, margin);
    }

    /** Per example: its sign y (±1) and its weight n/n_y (0 when masked out). */
    private record Examples(double[] sign, double[] weight) {
    }

    /** The critic's values f from the layer's pre-output, as doubles. */
    private static double[] values(INDArray preOutput, IActivation activationFn) {
        return activationFn.getActivation(preOutput.dup(), true).castTo(DataType.DOUBLE).data().asDouble();
    }

    /** A [n, 1] column of the pre-output's type. */
    private static INDArray column(double[] v, INDArray preOutput) {
        return Nd4j.createFromArray(v).reshape(v.length, 1).castTo(preOutput.dataType());
    }

    /** The signs and weights of the examples, from the labels and the mask. */
    private Examples examples(INDArray labels, INDArray mask) {
        if (labels.rank() != 2 || labels.size(1) != 1) {
            throw new IllegalArgumentException(name() + ": labels must be [minibatch, 1] (+1 or -1); got shape "
                    + java.util.Arrays.toString(labels.shape()));
        }
        int n = (int) labels.size(0);
        double[] y = labels.dup().castTo(DataType.DOUBLE).data().asDouble();
        double[] m = mask == null ? null : mask.dup().castTo(DataType.DOUBLE).data().asDouble();
        int positive = 0;
        int negative = 0;
        for (int i = 0; i < n; i++) {
            if (y[i] != 1 && y[i] != -1) {
                throw new IllegalArgumentException(name() + ": labels must be +1 (first distribution) or -1"
                        + " (second); got " + y[i] + " at row " + i);
            }
            if (m == null || m[i] != 0) {
                positive += y[i] == 1 ? 1 : 0;
                negative += y[i] == -1 ? 1 : 0;
            }
        }
        if (positive == 0 || negative == 0) {
            throw new IllegalArgumentException(name() + ": a minibatch needs samples of both distributions; got "
                    + positive + " labelled +1 and " + negative + " labelled -1");
        }
        double[] weight = new double[n];
        for (int i = 0; i < n; i++) {
            boolean kept = m == null || m[i] != 0;
            weight[i] = kept ? (double) n / (y[i] == 1 ? positive : negative) : 0;
        }
        return new Examples(y, weight);
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        Examples e = examples(labels, mask);
        double[] f = values(preOutput, activationFn);
        double[] scores = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            if (e.weight()[i] != 0) {
                double y = e.sign()[i];
                scores[i] = -e.weight()[i] * y * f[i] + alpha * Math.max(0, margin - y * f[i]);
            }
        }
        return column(scores, preOutput);
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        Examples e = examples(labels, mask);
        double[] f = values(preOutput, activationFn);
        double[] gradient = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            if (e.weight()[i] != 0) {
                double y = e.sign()[i];
                gradient[i] = -e.weight()[i] * y - (margin - y * f[i] > 0 ? alpha * y : 0);
            }
        }
        return activationFn.backprop(preOutput.dup(), column(gradient, preOutput)).getFirst();
    }

    @Override
    public String name() {
        return alpha == 0 ? "KantorovichRubinstein" : "KantorovichRubinstein(hinge alpha=" + alpha + ", margin="
                + margin + ")";
    }
}
