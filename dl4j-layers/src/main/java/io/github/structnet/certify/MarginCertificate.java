package io.github.structnet.certify;

import org.nd4j.linalg.api.ndarray.INDArray;

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
        if (logits.rank() != 2 || logits.size(1) < 2) {
            throw new IllegalArgumentException("MarginCertificate: logits must be [n, k] with k >= 2; got "
                    + java.util.Arrays.toString(logits.shape()));
        }
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
            m[i] = own - best;
            if (Double.isNaN(m[i])) {
                throw new IllegalArgumentException("MarginCertificate: logits of sample " + i + " contain NaN");
            }
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
