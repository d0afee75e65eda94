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
 * SympNet gradient module, a symplectic shear of the phase space x = (q, p).
 * <pre>
 *   UP:   q ← q + h Kᵀ diag(a) σ(K p + b),   p unchanged
 *   LOW:  p ← p − h Kᵀ diag(a) σ(K q + b),   q unchanged
 * </pre>
 * <b>Guarantee.</b> The update is h·∇V of the potential V(y) = Σᵢ aᵢ Φ((K y + b)ᵢ), Φ′ = σ, so each module is
 * the exact time-h flow of the Hamiltonian V(p) (UP) or V(q) (LOW): its Jacobian J satisfies Jᵀ 𝕁 J = 𝕁 and
 * ‖J‖₂ ≥ 1, for every weight, step and element-wise σ.
 * <p>Shapes: input/output [mb, 2n]; K [width, n], a [1, width], b [1, width], h [1, 1].
 *
 * @see <a href="https://arxiv.org/abs/2001.03750">Jin, Zhang, Zhu, Tang, Karniadakis 2020, SympNets</a>
 */
@Data
@EqualsAndHashCode(callSuper = true)
public class GradientModule extends PhaseSpaceLayer {

    public static final String WEIGHT_KEY = "K";
    public static final String AMPLITUDE_KEY = "a";
    public static final String BIAS_KEY = "b";

    private Shear side;
    private long width;
    private Activation activation;

    private GradientModule() {
        // for Jackson
    }

    private GradientModule(Builder b) {
        super(b);
        this.side = b.side;
        this.width = b.width;
        this.activation = b.activation;
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> p, SDVariable mask) {
        SDVariable q = q(x);
        SDVariable mom = p(x);
        SDVariable source = side == Shear.UP ? mom : q;
        SDVariable pre = sd.mmul(source, p.get(WEIGHT_KEY), false, true, false).add(p.get(BIAS_KEY));
        SDVariable update = activation.asSameDiff(sd, pre).mul(p.get(AMPLITUDE_KEY)).mmul(p.get(WEIGHT_KEY))
                .mul(p.get(STEP_KEY));
        return side == Shear.UP ? merge(sd, q.add(update), mom) : merge(sd, q, mom.sub(update));
    }

    @Override
    protected void defineModuleParameters(SDLayerParams params) {
        params.addWeightParam(WEIGHT_KEY, width, half());
        params.addWeightParam(AMPLITUDE_KEY, 1, width);
        params.addBiasParam(BIAS_KEY, 1, width);
    }

    @Override
    protected void initializeModuleParameters(Map<String, INDArray> params) {
        initWeights((int) half(), (int) width, getWeightInit(), params.get(WEIGHT_KEY));
        params.get(AMPLITUDE_KEY).assign(Nd4j.randn(params.get(AMPLITUDE_KEY).dataType(), 1, width)
                .muli(1.0 / Math.sqrt(width)));
        params.get(BIAS_KEY).assign(0);
    }

    /** Builder. Defaults: UP, tanh, step 1 (learnable). */
    public static class Builder extends PhaseSpaceLayer.Builder<Builder> {
        private Shear side = Shear.UP;
        private long width;
        private Activation activation = Activation.TANH;

        public Builder side(Shear side) {
            this.side = side;
            return this;
        }

        /** Number of rows of K (hidden width). */
        public Builder width(long width) {
            this.width = width;
            return this;
        }

        /** Element-wise activation σ (tanh by default). */
        public Builder activation(Activation activation) {
            this.activation = activation;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public GradientModule build() {
            validate();
            if (width <= 0) {
                throw new IllegalArgumentException(owner() + ": width must be positive; got " + width);
            }
            if (side == null) {
                throw new IllegalArgumentException(owner() + ": side must be UP or LOW");
            }
            ElementwiseActivations.require(activation, owner());
            return new GradientModule(this);
        }
    }
}
