package io.github.structnet.ode;

import lombok.Data;
import lombok.EqualsAndHashCode;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.controlflow.compat.StopGradient;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.inverse.InvertMatrix;

import java.util.Map;

/**
 * A norm-preserving flow: {@code steps} implicit-midpoint steps of size h of ẋ = A x with A = S − Sᵀ skew-symmetric,
 * which for a linear field are the Cayley map
 * <pre>
 *   x ← C x,   C = (I − (h/2) A)⁻¹ (I + (h/2) A)
 * </pre>
 * <b>Guarantee.</b> The implicit midpoint rule keeps every quadratic invariant of the flow; here ‖x‖² (since xᵀAx = 0),
 * so C is orthogonal and ‖C x‖ = ‖x‖ for every S, h and x (I − (h/2)A is always invertible: its eigenvalues are
 * 1 − (h/2)iλ with λ real). The layer is therefore an isometry: 1-Lipschitz, and so is its inverse.
 * <p>Parameters: S [d, d]. The step h is fixed.
 *
 * @see <a href="https://doi.org/10.1007/3-540-30666-8">Hairer, Lubich, Wanner, Geometric Numerical Integration,
 * §IV.2 and §IV.8 (Cayley transform)</a>
 */
@Data
@EqualsAndHashCode(callSuper = true)
public class NormPreservingFlow extends FlowLayer {

    public static final String GENERATOR_KEY = "S";

    private NormPreservingFlow() {
        // for Jackson
    }

    private NormPreservingFlow(Builder b) {
        super(b);
    }

    /** Name of the placeholder holding (I − (h/2)A)⁻¹, computed outside the graph from the current S. */
    static final String INVERSE_KEY = "cayleyInverse";

    /**
     * The Cayley map as a graph. The inverse P = (I − K)⁻¹ (K = (h/2)A) is computed outside the graph and enters as
     * P(2I − (I − K)P): the same value, and the derivative −P dM P of the inverse (ND4J M2.1's matrix-inverse op has a
     * wrong gradient for non-symmetric matrices).
     */
    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> p, SDVariable mask) {
        SDVariable s = p.get(GENERATOR_KEY);
        SDVariable skew = s.sub(sd.transpose(s)).mul(step / 2);
        SDVariable identity = sd.constant(Nd4j.eye(nIn).castTo(x.dataType()));
        SDVariable solved = new StopGradient(sd, sd.placeHolder(INVERSE_KEY, x.dataType(), nIn, nIn)).outputVariable();
        SDVariable minus = identity.sub(skew);
        SDVariable inverse = solved.mmul(identity.mul(2).sub(minus.mmul(solved)));
        SDVariable cayley = inverse.mmul(identity.add(skew));
        SDVariable y = x;
        for (int i = 0; i < steps; i++) {
            y = sd.mmul(y, cayley, false, true, false); // rows: y ← y Cᵀ
        }
        return y;
    }

    @Override
    public Map<String, INDArray> placeholderValues(Map<String, INDArray> params, boolean training) {
        INDArray s = params.get(GENERATOR_KEY);
        INDArray minus = Nd4j.eye(nIn).castTo(s.dataType()).subi(s.sub(s.transpose()).muli(step / 2));
        return Map.of(INVERSE_KEY, InvertMatrix.invert(minus, false));
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        requireSize(2);
        params.addWeightParam(GENERATOR_KEY, nIn, nIn);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        initWeights((int) nIn, (int) nIn, getWeightInit(), params.get(GENERATOR_KEY));
    }

    /** Builder. Defaults: 1 step of h = 0.1. */
    public static class Builder extends FlowLayer.Builder<Builder> {

        @Override
        @SuppressWarnings("unchecked")
        public NormPreservingFlow build() {
            validate();
            return new NormPreservingFlow(this);
        }
    }
}
