package io.github.structnet.symplectic;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
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
        return firstDerivative(preActivation(y, a, bias)).muliRowVector(u).mmul(a);
    }

    /**
     * The Hessian ∇²V(y) = Aᵀ diag(u ⊙ γ″(A y + a)) A for every row of y [mb, d]; returns [mb, d, d]. Built as one
     * product of the weights u ⊙ γ″ [mb, m] with the m outer products Aₖ Aₖᵀ laid out as rows [m, d²].
     */
    public INDArray hessian(INDArray y, INDArray a, INDArray bias, INDArray u) {
        long d = a.columns();
        INDArray weights = secondDerivative(preActivation(y, a, bias)).muliRowVector(u);
        INDArray outerProducts = a.repeat(1, d).muli(Nd4j.tile(a, 1, (int) d));
        return weights.mmul(outerProducts).reshape(y.rows(), d, d);
    }

    /** z = A y + a for a batch y [mb, d]; returns [mb, m]. */
    public INDArray preActivation(INDArray y, INDArray a, INDArray bias) {
        return y.mmul(a.transpose()).addiRowVector(bias);
    }

    /** γ′(z) elementwise (a new array): 1 − tanh² z, or sigmoid z. */
    public INDArray firstDerivative(INDArray z) {
        if (this == TANH) {
            INDArray t = Transforms.tanh(z, true);
            return t.muli(t).rsubi(1.0);
        }
        return Transforms.sigmoid(z, true);
    }

    /** sup_z |γ″(z)|: 4/(3√3) for tanh (at tanh z = ±1/√3), 1/4 for softplus (at z = 0). */
    public double maxCurvature() {
        return this == TANH ? 4.0 / (3.0 * Math.sqrt(3.0)) : 0.25;
    }

    /** γ″(z) elementwise (a new array): −2 tanh z (1 − tanh² z), or σ(z)(1 − σ(z)). */
    public INDArray secondDerivative(INDArray z) {
        if (this == TANH) {
            INDArray t = Transforms.tanh(z, true);
            return t.mul(t).rsubi(1.0).muli(t).muli(-2.0);
        }
        INDArray s = Transforms.sigmoid(z, true);
        return s.rsub(1.0).muli(s);
    }
}
