package io.github.structnet.ode;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The two vector operations an explicit integrator needs, so that one integrator serves plain ND4J arrays
 * (data generation, checks) and SameDiff variables (layers).
 *
 * @param <T> the vector type
 */
public interface VectorOps<T> {

    /** a + b (new value; arguments unchanged). */
    T add(T a, T b);

    /** c · a (new value; argument unchanged). */
    T scale(T a, double c);

    /** a + c · b. */
    default T axpy(T a, double c, T b) {
        return add(a, scale(b, c));
    }

    /** Operations on INDArrays (out of place). */
    VectorOps<INDArray> ND4J = new VectorOps<>() {
        @Override
        public INDArray add(INDArray a, INDArray b) {
            return a.add(b);
        }

        @Override
        public INDArray scale(INDArray a, double c) {
            return a.mul(c);
        }
    };

    /** Operations on SameDiff variables (graph building). */
    VectorOps<SDVariable> SAMEDIFF = new VectorOps<>() {
        @Override
        public SDVariable add(SDVariable a, SDVariable b) {
            return a.add(b);
        }

        @Override
        public SDVariable scale(SDVariable a, double c) {
            return a.mul(c);
        }
    };
}
