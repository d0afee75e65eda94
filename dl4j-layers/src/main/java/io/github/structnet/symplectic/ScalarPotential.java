package io.github.structnet.symplectic;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * A one-hidden-layer scalar potential and its gradient in closed form (SameDiff has no second-order gradients,
 * so ∇V cannot come from autodiff inside a layer that is itself differentiated).
 * <pre>
 *   V(y) = Σᵢ uᵢ γ((A y + a)ᵢ),      ∇V(y) = Aᵀ (u ⊙ γ′(A y + a))
 * </pre>
 * with γ = tanh (γ′ = 1 − tanh²) or softplus (γ′ = sigmoid).
 */
public enum ScalarPotential {
    TANH, SOFTPLUS;

    /** ∇V(y) for a batch y [mb, d], A [m, d], a [1, m], u [1, m]; returns [mb, d]. */
    public SDVariable gradient(SameDiff sd, SDVariable y, SDVariable a, SDVariable bias, SDVariable u) {
        SDVariable z = sd.mmul(y, a, false, true, false).add(bias);
        SDVariable derivative;
        if (this == TANH) {
            SDVariable t = sd.math().tanh(z);
            derivative = t.mul(t).rsub(1.0);
        } else {
            derivative = sd.nn().sigmoid(z);
        }
        return derivative.mul(u).mmul(a);
    }

    /** ∇V(y) in plain ND4J (same formula), for solvers that run outside the graph. */
    public INDArray gradient(INDArray y, INDArray a, INDArray bias, INDArray u) {
        INDArray z = y.mmul(a.transpose()).addiRowVector(bias);
        INDArray derivative;
        if (this == TANH) {
            INDArray t = Transforms.tanh(z, true);
            derivative = t.mul(t).rsubi(1.0);
        } else {
            derivative = Transforms.sigmoid(z, true);
        }
        return derivative.muliRowVector(u).mmul(a);
    }
}
