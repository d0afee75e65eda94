package io.github.structnet.data;

/** What can be wrong with one minibatch; see {@link BatchScreen}. */
public enum BatchProblem {
    /** No examples (zero rows). */
    EMPTY("no examples"),
    /** A NaN or infinite value in the features or their mask. */
    NON_FINITE_FEATURES("NaN or infinite features"),
    /** A NaN or infinite value in the labels or their mask. */
    NON_FINITE_LABELS("NaN or infinite labels"),
    /** Features whose shape after the batch dimension differs from the expected one. */
    FEATURE_SHAPE("features of the wrong shape"),
    /** Labels whose shape after the batch dimension differs from the expected one, or a different number of rows. */
    LABEL_SHAPE("labels of the wrong shape");

    private final String description;

    BatchProblem(String description) {
        this.description = description;
    }

    /** A short description for messages. */
    public String description() {
        return description;
    }
}
