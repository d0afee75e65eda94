package io.github.structnet.data;

import java.util.Arrays;
import java.util.Optional;

import io.github.structnet.kernels.Sums;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;

/**
 * Checks one minibatch: at least one example, finite features, labels and masks, and features and labels whose shapes
 * after the batch dimension equal the expected ones. The expected shapes are given, or taken from the first batch that
 * passes the other checks.
 */
public final class BatchScreen {

    private long[] featureShape;
    private long[] labelShape;

    /** A screen that learns the expected shapes from the first sound batch. */
    public BatchScreen() {
    }

    /**
     * A screen with given shapes after the batch dimension, e.g. {@code {784}} for flat MNIST features or
     * {@code {3, 32, 32}} for NCHW images; null leaves that shape to be learned from the first sound batch.
     */
    public BatchScreen(long[] featureShape, long[] labelShape) {
        this.featureShape = featureShape == null ? null : featureShape.clone();
        this.labelShape = labelShape == null ? null : labelShape.clone();
    }

    /** A finding: the problem and a sentence with the values found. */
    public record Finding(BatchProblem problem, String detail) {
    }

    /** The first problem of {@code batch}, or empty if it is sound. */
    public Optional<Finding> check(DataSet batch) {
        INDArray features = batch.getFeatures();
        INDArray labels = batch.getLabels();
        if (features == null || features.rank() == 0 || features.size(0) == 0) {
            return finding(BatchProblem.EMPTY, "features " + shapeOf(features));
        }
        if (!finite(features) || !finite(batch.getFeaturesMaskArray())) {
            return finding(BatchProblem.NON_FINITE_FEATURES, "features of shape " + shapeOf(features));
        }
        if (!finite(labels) || !finite(batch.getLabelsMaskArray())) {
            return finding(BatchProblem.NON_FINITE_LABELS, "labels of shape " + shapeOf(labels));
        }
        long[] features0 = trailing(features);
        if (featureShape != null && !Arrays.equals(featureShape, features0)) {
            return finding(BatchProblem.FEATURE_SHAPE, "features of shape " + shapeOf(features) + "; expected [n, "
                    + join(featureShape) + "]");
        }
        if (labels != null) {
            long[] labels0 = trailing(labels);
            if (labels.size(0) != features.size(0) || labelShape != null && !Arrays.equals(labelShape, labels0)) {
                return finding(BatchProblem.LABEL_SHAPE, "labels of shape " + shapeOf(labels) + " for features "
                        + shapeOf(features) + (labelShape == null ? "" : "; expected [n, " + join(labelShape) + "]"));
            }
            if (labelShape == null) {
                labelShape = labels0;
            }
        }
        if (featureShape == null) {
            featureShape = features0;
        }
        return Optional.empty();
    }

    private static Optional<Finding> finding(BatchProblem problem, String detail) {
        return Optional.of(new Finding(problem, detail));
    }

    /** True for null (nothing to check) and for arrays whose values are all finite. */
    private static boolean finite(INDArray array) {
        return array == null || array.isEmpty() || Sums.allFinite(array);
    }

    private static long[] trailing(INDArray array) {
        return Arrays.copyOfRange(array.shape(), 1, array.rank());
    }

    private static String shapeOf(INDArray array) {
        return array == null ? "null" : Arrays.toString(array.shape());
    }

    private static String join(long[] shape) {
        String s = Arrays.toString(shape);
        return s.substring(1, s.length() - 1);
    }
}
