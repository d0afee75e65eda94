package io.github.structnet.certify;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Certified robustness from margins: for a classifier f with Lipschitz bound L (ℓ2),
 * <pre>
 *   M(x) = f_y(x) − max_{j≠y} f_j(x),     radius r(x) = M(x) / (√2 · L)
 *   M(x) &gt; √2 · L · ε   ⇒   argmax f(x + η) = y  for every ‖η‖₂ ≤ ε
 * </pre>
 * (the difference f_y − f_j of two outputs is √2·L-Lipschitz). A misclassified sample has r ≤ 0 and is
 * certified at no ε.
 *
 * @see <a href="https://arxiv.org/abs/1802.04034">Tsuzuku, Sato, Sugiyama 2018, Lipschitz-margin training</a>
 */
public final class MarginCertificate {

    private MarginCertificate() {
    }

    /**
     * Per-sample margins f_y − max_{j≠y} f_j.
     *
     * @param logits [n, k] network outputs before any softmax (k ≥ 2)
     * @param labels one-hot [n, k] or class indices [n] / [n, 1]
     */
    public static double[] margins(INDArray logits, INDArray labels) {
        requireLogits(logits);
        int n = (int) logits.size(0);
        int k = (int) logits.size(1);
        int[] classes = classIndices(labels, n, k);
        double[] m = new double[n];
        for (int i = 0; i < n; i++) {
            double own = logits.getDouble(i, classes[i]);
            double best = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j++) {
                if (j != classes[i]) {
                    best = Math.max(best, logits.getDouble(i, j));
                }
            }
            m[i] = requireNumber(own - best, i);
        }
        return m;
    }

    /** Per-sample certified radii M(x)/(√2·L); ≤ 0 for misclassified samples. */
    public static double[] radii(INDArray logits, INDArray labels, double lipschitzBound) {
        if (!(lipschitzBound > 0) || Double.isInfinite(lipschitzBound)) {
            throw new IllegalArgumentException("MarginCertificate: the Lipschitz bound must be positive and finite; "
                    + "got "
                    + lipschitzBound);
        }
        double[] r = margins(logits, labels);
        double scale = Math.sqrt(2.0) * lipschitzBound;
        for (int i = 0; i < r.length; i++) {
            r[i] /= scale;
        }
        return r;
    }

    /**
     * Per-sample certified radii with the exact factor of each pair of classes, for logits f = W h + b of an affine
     * last layer on a body h with Lipschitz bound L:
     * <pre>
     *   r(x) = min_{j≠y} (f_y − f_j) / (L · ‖w_y − w_j‖₂)
     * </pre>
     * f_y − f_j = (w_y − w_j)·h + b_y − b_j changes by at most L ‖w_y − w_j‖₂ ‖η‖₂ under a perturbation η, so no
     * class overtakes y within r(x). Never smaller than {@link #radii} with L‖W‖₂ (‖w_y − w_j‖₂ ≤ √2 ‖W‖₂), and
     * larger wherever a pair of rows is closer than that. A pair with w_y = w_j does not depend on x: it limits
     * nothing when f_y &gt; f_j, and makes the sample uncertified otherwise.
     *
     * @param bodyBound   L, a sound Lipschitz bound of the network up to the input of the last layer
     * @param lastWeights W [k, d], the weights the last layer applies (its effective matrix, normalisation included;
     *                    see {@link #affineWeights})
     */
    public static double[] pairwiseRadii(INDArray logits, INDArray labels, double bodyBound, INDArray lastWeights) {
        if (!(bodyBound > 0) || Double.isInfinite(bodyBound)) {
            throw new IllegalArgumentException("MarginCertificate: the body's Lipschitz bound must be positive and "
                    + "finite; got " + bodyBound);
        }
        requireLogits(logits);
        int n = (int) logits.size(0);
        int k = (int) logits.size(1);
        if (lastWeights.rank() != 2 || lastWeights.rows() != k) {
            throw new IllegalArgumentException("MarginCertificate: last-layer weights must be [" + k + ", d] for " + k
                    + " logits; got " + java.util.Arrays.toString(lastWeights.shape()));
        }
        int[] classes = classIndices(labels, n, k);
        double[][] distance = new double[k][k];
        for (int a = 0; a < k; a++) {
            for (int b = 0; b < k; b++) {
                distance[a][b] = lastWeights.getRow(a).distance2(lastWeights.getRow(b));
            }
        }
        double[] r = new double[n];
        for (int i = 0; i < n; i++) {
            int y = classes[i];
            double radius = Double.POSITIVE_INFINITY;
            for (int j = 0; j < k; j++) {
                if (j == y) {
                    continue;
                }
                double gap = requireNumber(logits.getDouble(i, y) - logits.getDouble(i, j), i);
                if (gap <= 0) {
                    radius = Math.min(radius, gap);
                } else if (distance[y][j] > 0) {
                    radius = Math.min(radius, gap / (bodyBound * distance[y][j]));
                }
            }
            r[i] = radius;
        }
        return r;
    }

    /**
     * The matrix W [k, d] of an affine layer x ↦ W x + b of a network, read off its inference output on the unit
     * vectors, W eᵢ = f(eᵢ) − f(0); the layer is checked to be affine on random inputs (to 1e-9 relative in double,
     * 1e-4 in float).
     *
     * @throws IllegalArgumentException if the layer is not affine (an activation, say)
     */
    public static INDArray affineWeights(MultiLayerNetwork net, int layer, int inputSize) {
        org.deeplearning4j.nn.api.Layer l = net.getLayer(layer);
        DataType type = net.params().dataType();
        INDArray zero = Nd4j.zeros(type, 1, inputSize);
        INDArray offset = apply(l, zero);
        INDArray columns = apply(l, Nd4j.eye(inputSize).castTo(type)).subiRowVector(offset);
        INDArray x = Nd4j.randn(type, 3, inputSize);
        INDArray expected = x.mmul(columns).addiRowVector(offset);
        double scale = Math.max(1.0, expected.amaxNumber().doubleValue());
        double tolerance = type == DataType.DOUBLE ? 1e-9 : 1e-4;
        double error = apply(l, x).subi(expected).amaxNumber().doubleValue();
        if (!(error <= tolerance * scale)) {
            throw new IllegalArgumentException("MarginCertificate: layer " + layer + " (" + l.conf().getLayer()
                    .getLayerName() + ") is not affine: f(x) differs from W x + b by " + error);
        }
        return columns.transpose().dup('c');
    }

    private static INDArray apply(org.deeplearning4j.nn.api.Layer layer, INDArray x) {
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        layer.setInput(x, mgr);
        INDArray out = layer.activate(false, mgr).dup();
        layer.clear();
        return out;
    }

    /** The fraction of samples whose certified radius exceeds ε (ε = 0 gives the clean accuracy). */
    public static double certifiedAccuracy(double[] radii, double epsilon) {
        if (!(epsilon >= 0)) {
            throw new IllegalArgumentException("MarginCertificate: epsilon must be >= 0; got " + epsilon);
        }
        if (radii.length == 0) {
            throw new IllegalArgumentException("MarginCertificate: no samples");
        }
        int certified = 0;
        for (double r : radii) {
            if (r > epsilon) {
                certified++;
            }
        }
        return certified / (double) radii.length;
    }

    private static void requireLogits(INDArray logits) {
        if (logits.rank() != 2 || logits.size(1) < 2) {
            throw new IllegalArgumentException("MarginCertificate: logits must be [n, k] with k >= 2; got "
                    + java.util.Arrays.toString(logits.shape()));
        }
    }

    /** A logit difference of sample i, refused when NaN. */
    private static double requireNumber(double difference, int sample) {
        if (Double.isNaN(difference)) {
            throw new IllegalArgumentException("MarginCertificate: logits of sample " + sample + " contain NaN");
        }
        return difference;
    }

    private static int[] classIndices(INDArray labels, int n, int k) {
        int[] classes = new int[n];
        boolean oneHot = labels.rank() == 2 && labels.size(1) == k && k > 1;
        if (labels.size(0) != n || !(oneHot || labels.length() == n)) {
            throw new IllegalArgumentException("MarginCertificate: labels must be one-hot [" + n + ", " + k
                    + "] or class indices [" + n + "]; got " + java.util.Arrays.toString(labels.shape()));
        }
        for (int i = 0; i < n; i++) {
            int c = oneHot ? labels.getRow(i).argMax().getInt(0) : labels.getInt(i);
            if (c < 0 || c >= k) {
                throw new IllegalArgumentException("MarginCertificate: label " + c + " of sample " + i
                        + " is outside [0, " + k + ")");
            }
            classes[i] = c;
        }
        return classes;
    }
}
