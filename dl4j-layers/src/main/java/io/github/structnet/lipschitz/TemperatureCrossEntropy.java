package io.github.structnet.lipschitz;

import lombok.Data;
import lombok.EqualsAndHashCode;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/**
 * Cross-entropy with a temperature and an optional offset, for 1-Lipschitz classifiers whose logits are confined to
 * small ranges.
 * <pre>
 *   ℓ(z, y) = CE(softmax(T·(z − u·y)), y) / T,      ∂ℓ/∂z = softmax(T·(z − u·y)) − y
 * </pre>
 * A larger T pushes harder on the margin (T → ∞ approaches a hinge on the margin); dividing by T keeps the
 * gradient scale independent of T. The offset u ≥ 0 lowers the true class's logit inside the loss, so the loss only
 * counts a sample as well classified once its margin exceeds about u: with a body of Lipschitz bound L, u = √2·L·ε
 * asks for certified radius ε (certification-aware cross-entropy); u = 0 is the plain temperature cross-entropy.
 * Use in a {@code LossLayer} or {@code OutputLayer} with softmax activation.
 *
 * @see <a href="https://arxiv.org/abs/2006.06520">Béthune, Boissin, Serrurier, Mamalet, Friedrich, González-Sanz
 * 2022, Pay attention to your loss: understanding misconceptions about 1-Lipschitz neural networks</a>
 */
@Data
@EqualsAndHashCode(callSuper = false)
public class TemperatureCrossEntropy extends PerExampleLoss implements MarginLoss {

    private double temperature;
    private double offset;

    private TemperatureCrossEntropy() {
        // for Jackson
    }

    /** @param temperature T &gt; 0 */
    public TemperatureCrossEntropy(double temperature) {
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("TemperatureCrossEntropy: temperature must be positive and finite; got "
                    + temperature);
        }
        this.temperature = temperature;
    }

    /**
     * @param temperature T &gt; 0
     * @param offset      u ≥ 0, subtracted from the true class's logit inside the loss
     */
    public TemperatureCrossEntropy(double temperature, double offset) {
        this(temperature);
        changeMargin(offset);
    }

    @Override
    public double marginValue() {
        return offset;
    }

    /** Sets the offset u. */
    @Override
    public void changeMargin(double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("TemperatureCrossEntropy: offset must be >= 0 and finite; got "
                    + value);
        }
        this.offset = value;
    }

    /** T·(z − u·y), a new array. */
    private INDArray scaled(INDArray labels, INDArray preOutput) {
        INDArray shifted = offset == 0 ? preOutput.dup() : preOutput.sub(labels.mul(offset));
        return shifted.muli(temperature);
    }

    private static LossMCXENT crossEntropy() {
        LossMCXENT ce = new LossMCXENT();
        ce.setSoftmaxClipEps(0.0);
        return ce;
    }

    @Override
    public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask,
                               boolean average) {
        return crossEntropy().computeScore(labels, scaled(labels, preOutput), activationFn, mask,
                average) / temperature;
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        return crossEntropy().computeScoreArray(labels, scaled(labels, preOutput), activationFn, mask)
                .divi(temperature);
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        // chain rule: ×T from the scaled logits, ÷T from the scaled loss; the offset is a constant shift
        return crossEntropy().computeGradient(labels, scaled(labels, preOutput), activationFn, mask);
    }

    @Override
    public String name() {
        return "TemperatureCrossEntropy(T=" + temperature + (offset == 0 ? "" : ", offset=" + offset) + ")";
    }
}
