package io.github.structnet.samediff;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;


/**
 * Where a {@link DirectPass} puts its arrays, so that a training step allocates almost nothing (internal).
 * Allocating and copying large arrays cost a gradient-flow conv block about a fifth of its step time in
 * ND4J 1.0.0-M2.1 (fresh pages for every temporary, copies of outputs and gradients into DL4J's workspaces); with this
 * memory the pass writes its output and input gradient straight into those workspaces, its parameter gradients
 * straight into the network's gradient views, and its temporaries into arrays it reuses across iterations.
 * <p>A pass must not close any array obtained here.
 */
public interface PassMemory {

    /**
     * A c-order array of this type and shape, the same one at every call with this name while type and shape stay
     * the same; its contents are undefined. Valid until the next call with the same name.
     */
    INDArray scratch(String name, DataType type, long... shape);

    /** A new c-order array for the pass's result: the output in forward, the input gradient in backward. */
    INDArray result(DataType type, long... shape);

    /**
     * The array that receives the gradient of the trainable parameter {@code key}, shaped like the parameter, with
     * undefined contents: the pass must overwrite all of it.
     */
    INDArray gradient(String key);

    /**
     * The gradient of a one-element trainable parameter (a step size), set to {@code value} without creating an ND4J
     * array ({@code assign} makes two).
     */
    default INDArray scalarGradient(String key, double value) {
        INDArray g = gradient(key);
        g.putScalar(0, value);
        return g;
    }

    /** Whether {@code array} belongs to this memory (a scratch array or a gradient view), never to be closed. */
    boolean owns(INDArray array);
}
