package io.github.structnet.symplectic;

import lombok.Data;
import lombok.EqualsAndHashCode;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

/**
 * SympNet activation module, an element-wise nonlinear shear.
 * <pre>
 *   UP:   q ← q + h a ⊙ σ(p),      LOW:  p ← p + h a ⊙ σ(q)
 * </pre>
 * <b>Guarantee.</b> The update is the gradient of Σᵢ aᵢ Φ(yᵢ), Φ′ = σ: the module is a Hamiltonian flow and
 * symplectic, Jᵀ 𝕁 J = 𝕁.
 * <p>Shapes: input/output [mb, 2n]; a [1, n], h [1, 1].
 *
 * @see <a href="https://arxiv.org/abs/2001.03750">Jin, Zhang, Zhu, Tang, Karniadakis 2020, SympNets</a>
 */
@Data
@EqualsAndHashCode(callSuper = true)
public class ActivationModule extends PhaseSpaceLayer {

    public static final String AMPLITUDE_KEY = "a";

    private Shear side;
    private Activation activation;

    private ActivationModule() {
        // for Jackson
    }

    private ActivationModule(Builder b) {
        super(b);
        this.side = b.side;
        this.activation = b.activation;
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> p, SDVariable mask) {
        SDVariable q = q(x);
        SDVariable mom = p(x);
        SDVariable source = side == Shear.UP ? mom : q;
        SDVariable update = activation.asSameDiff(sd, source).mul(p.get(AMPLITUDE_KEY)).mul(p.get(STEP_KEY));
        return side == Shear.UP ? merge(sd, q.add(update), mom) : merge(sd, q, mom.add(update));
    }

    @Override
    protected void defineModuleParameters(SDLayerParams params) {
        params.addWeightParam(AMPLITUDE_KEY, 1, half());
    }

    @Override
    protected void initializeModuleParameters(Map<String, INDArray> params) {
        INDArray a = params.get(AMPLITUDE_KEY);
        a.assign(Nd4j.randn(a.dataType(), a.shape()).muli(0.1));
    }

    /** Builder. Defaults: UP, tanh, step 1 (learnable). */
    public static class Builder extends PhaseSpaceLayer.Builder<Builder> {
        private Shear side = Shear.UP;
        private Activation activation = Activation.TANH;

        public Builder side(Shear side) {
            this.side = side;
            return this;
        }

        public Builder activation(Activation activation) {
            this.activation = activation;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public ActivationModule build() {
            validate();
            if (side == null) {
                throw new IllegalArgumentException(owner() + ": side must be UP or LOW");
            }
            ElementwiseActivations.require(activation, owner());
            return new ActivationModule(this);
        }
    }
}
