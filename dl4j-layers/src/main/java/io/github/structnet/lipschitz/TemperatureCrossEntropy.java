package io.github.structnet.lipschitz;

import lombok.Data;
import lombok.EqualsAndHashCode;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/**
 * Cross-entropy with a temperature, for 1-Lipschitz classifiers whose logits are confined to small ranges.
 * <pre>
 *   ℓ(z, y) = CE(softmax(T·z), y) / T,      ∂ℓ/∂z = softmax(T·z) − y
 * </pre>
 * A larger T pushes harder on the margin (T → ∞ approaches a hinge on the margin); dividing by T keeps the
 * gradient scale independent of T. Use in a {@code LossLayer} or {@code OutputLayer} with softmax activation.
 *
 * @see <a href="https://arxiv.org/abs/2006.06520">Béthune, Boissin, Serrurier, Mamalet, Friedrich, González-Sanz
 * 2022, Pay attention to your loss: understanding misconceptions about 1-Lipschitz neural networks</a>
 */
@Data
@EqualsAndHashCode(callSuper = false)
public class TemperatureCrossEntropy extends PerExampleLoss {

    private double temperature;

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

    private static LossMCXENT crossEntropy() {
        LossMCXENT ce = new LossMCXENT();
        ce.setSoftmaxClipEps(0.0);
        return ce;
    }

    @Override
    public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask,
                               boolean average) {
        return crossEntropy().computeScore(labels, preOutput.mul(temperature), activationFn, mask,
                average) / temperature;
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        return crossEntropy().computeScoreArray(labels, preOutput.mul(temperature), activationFn, mask)
                .divi(temperature);
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        // chain rule: ×T from the scaled logits, ÷T from the scaled loss
        return crossEntropy().computeGradient(labels, preOutput.mul(temperature), activationFn, mask);
    }

    @Override
    public String name() {
        return "TemperatureCrossEntropy(T=" + temperature + ")";
    }
}
