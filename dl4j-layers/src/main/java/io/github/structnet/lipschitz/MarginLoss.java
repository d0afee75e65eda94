package io.github.structnet.lipschitz;

import org.nd4j.linalg.lossfunctions.ILossFunction;

/**
 * A loss whose one parameter trades clean accuracy against certified accuracy: the margin (in logits) it asks of
 * every example — the offset u of {@link TemperatureCrossEntropy}, the margin m of {@link MultiClassHinge}. For a
 * body of Lipschitz bound L a margin μ is worth a certified radius of about μ/(√2·L). {@link MarginSchedule} changes
 * it during training.
 */
public interface MarginLoss extends ILossFunction {

    /** The margin the loss asks for now. */
    double marginValue();

    /**
     * Sets the margin the loss asks for from the next score or gradient on.
     *
     * @throws IllegalArgumentException naming the loss, the value and what is allowed, if the value is not allowed
     */
    void changeMargin(double value);
}
