package io.github.structnet.symplectic;

import lombok.Data;
import lombok.EqualsAndHashCode;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

/**
 * SympNet linear module: {@code sublayers} alternating linear shears with symmetric matrices, then a bias.
 * <pre>
 *   UP:   q ← q + h S_i p,      LOW:  p ← p + h S_i q,      S_i = B_i + B_iᵀ
 *   x ← x + c   (after the last shear)
 * </pre>
 * <b>Guarantee.</b> A shear with a symmetric S is the flow of the quadratic Hamiltonian ½ pᵀSp (or −½ qᵀSq),
 * a translation is the flow of a linear one: the module is symplectic, Jᵀ 𝕁 J = 𝕁.
 * <p>Shapes: input/output [mb, 2n]; B_i [n, n] ({@code "B0"}, {@code "B1"}, …), c [1, 2n], h [1, 1].
 *
 * @see <a href="https://arxiv.org/abs/2001.03750">Jin, Zhang, Zhu, Tang, Karniadakis 2020, SympNets</a>
 */
@Data
@EqualsAndHashCode(callSuper = true)
public class LinearModule extends PhaseSpaceLayer {

    public static final String MATRIX_PREFIX = "B";
    public static final String BIAS_KEY = "c";

    private Shear side;
    private int sublayers;

    private LinearModule() {
        // for Jackson
    }

    private LinearModule(Builder b) {
        super(b);
        this.side = b.side;
        this.sublayers = b.sublayers;
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> p, SDVariable mask) {
        SDVariable q = q(x);
        SDVariable mom = p(x);
        Shear current = side;
        for (int i = 0; i < sublayers; i++) {
            SDVariable b = p.get(MATRIX_PREFIX + i);
            SDVariable s = b.add(sd.transpose(b)).mul(p.get(STEP_KEY));
            if (current == Shear.UP) {
                q = q.add(mom.mmul(s));
            } else {
                mom = mom.add(q.mmul(s));
            }
            current = current.other();
        }
        return merge(sd, q, mom).add(p.get(BIAS_KEY));
    }

    @Override
    protected void defineModuleParameters(SDLayerParams params) {
        for (int i = 0; i < sublayers; i++) {
            params.addWeightParam(MATRIX_PREFIX + i, half(), half());
        }
        params.addBiasParam(BIAS_KEY, 1, nIn);
    }

    @Override
    protected void initializeModuleParameters(Map<String, INDArray> params) {
        for (int i = 0; i < sublayers; i++) {
            INDArray b = params.get(MATRIX_PREFIX + i);
            b.assign(Nd4j.randn(b.dataType(), b.shape()).muli(0.1 / Math.sqrt(half())));
        }
        params.get(BIAS_KEY).assign(0);
    }

    /** Builder. Defaults: starts with UP, 2 sublayers, step 1 (learnable). */
    public static class Builder extends PhaseSpaceLayer.Builder<Builder> {
        private Shear side = Shear.UP;
        private int sublayers = 2;

        public Builder side(Shear side) {
            this.side = side;
            return this;
        }

        /** Number of alternating shears (≥ 1). */
        public Builder sublayers(int sublayers) {
            this.sublayers = sublayers;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public LinearModule build() {
            validate();
            if (sublayers < 1) {
                throw new IllegalArgumentException(owner() + ": sublayers must be >= 1; got " + sublayers);
            }
            if (side == null) {
                throw new IllegalArgumentException(owner() + ": side must be UP or LOW");
            }
            return new LinearModule(this);
        }
    }
}
