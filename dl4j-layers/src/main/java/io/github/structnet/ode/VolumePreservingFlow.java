package io.github.structnet.ode;

import lombok.Data;
import lombok.EqualsAndHashCode;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * A volume-preserving flow: x = (a, b), a the first ⌊d/2⌋ coordinates, advanced by {@code steps} steps of size h of
 * the divergence-free ODE ȧ = G(b), ḃ = H(a), each step two shears
 * <pre>
 *   a ← a + h G(b),   b ← b + h H(a),    G(b) = V_aᵀσ(W_a b + β_a) + γ_a,   H(a) = V_bᵀσ(W_b a + β_b) + γ_b
 * </pre>
 * <b>Guarantee.</b> Each shear's Jacobian is block unit-triangular, so det J = 1 exactly for every weight, step and
 * input: the layer maps every region to one of the same volume, and it is invertible (subtract the shears in reverse
 * order).
 * <p>Parameters: W_a [m, d − ⌊d/2⌋], β_a [1, m], V_a [m, ⌊d/2⌋], γ_a [1, ⌊d/2⌋] and the same for b with the halves
 * swapped. The step h is fixed.
 *
 * @see <a href="https://arxiv.org/abs/1410.8516">Dinh, Krueger, Bengio 2014, NICE (additive coupling)</a>
 */
@Data
@EqualsAndHashCode(callSuper = true)
public class VolumePreservingFlow extends FlowLayer {

    private long width;
    private Activation activation;

    private VolumePreservingFlow() {
        // for Jackson
    }

    private VolumePreservingFlow(Builder b) {
        super(b);
        this.width = b.width;
        this.activation = b.activation;
    }

    private int first() {
        return (int) (nIn / 2);
    }

    private int second() {
        return (int) (nIn - nIn / 2);
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> p, SDVariable mask) {
        SDVariable a = columns(x, 0, first());
        SDVariable b = columns(x, first(), second());
        for (int s = 0; s < steps; s++) {
            a = a.add(shear(sd, b, p, "a").mul(step));
            b = b.add(shear(sd, a, p, "b").mul(step));
        }
        return sd.concat(1, a, b);
    }

    /** V_sᵀσ(W_s y + β_s) + γ_s for the half s ∈ {a, b}. */
    private SDVariable shear(SameDiff sd, SDVariable y, Map<String, SDVariable> p, String half) {
        SDVariable hidden = activation.asSameDiff(sd, sd.mmul(y, p.get("W" + half), false, true, false)
                .add(p.get("beta" + half)));
        return hidden.mmul(p.get("V" + half)).add(p.get("gamma" + half));
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        requireSize(2);
        params.addWeightParam("Wa", width, second());
        params.addBiasParam("betaa", 1, width);
        params.addWeightParam("Va", width, first());
        params.addBiasParam("gammaa", 1, first());
        params.addWeightParam("Wb", width, first());
        params.addBiasParam("betab", 1, width);
        params.addWeightParam("Vb", width, second());
        params.addBiasParam("gammab", 1, second());
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        initWeights(second(), (int) width, getWeightInit(), params.get("Wa"));
        initWeights((int) width, first(), getWeightInit(), params.get("Va"));
        initWeights(first(), (int) width, getWeightInit(), params.get("Wb"));
        initWeights((int) width, second(), getWeightInit(), params.get("Vb"));
        for (String bias : new String[]{"betaa", "gammaa", "betab", "gammab"}) {
            params.get(bias).assign(0);
        }
    }

    /** Builder. Defaults: width 16, tanh, 1 step of h = 0.1. */
    public static class Builder extends FlowLayer.Builder<Builder> {
        private long width = 16;
        private Activation activation = Activation.TANH;

        /** Hidden width m of G and H. */
        public Builder width(long width) {
            this.width = width;
            return this;
        }

        /** Activation σ of G and H (any element-wise DL4J activation). */
        public Builder activation(Activation activation) {
            this.activation = activation;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public VolumePreservingFlow build() {
            validate();
            if (width <= 0) {
                throw new IllegalArgumentException(owner() + ": width must be positive; got " + width);
            }
            if (activation == null || activation == Activation.SOFTMAX) {
                throw new IllegalArgumentException(owner() + ": activation must be element-wise; got " + activation);
            }
            return new VolumePreservingFlow(this);
        }
    }
}
