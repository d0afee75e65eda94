package io.github.structnet.ode;

import org.nd4j.linalg.activations.Activation;

import java.util.Arrays;

/**
 * The vector field of a neural ODE: a small dense network applied row by row to a minibatch of states,
 * <pre>
 *   F_θ(t, x) = W_L σ(… σ(W₁ [σ_in(x), t] + b₁) …) + b_L
 * </pre>
 * or, with {@link Invariant#MASS}, the flows between compartments whose rates that network outputs (Σᵢ Fᵢ = 0).
 * with weights Wₗ stored [in, out] (DL4J's dense layout), σ the hidden activation, σ_in an optional element-wise map
 * of the state (identity by default), and the time column present only with {@code timeInput}. The parameters are
 * one flat array θ = (W₁, b₁, W₂, b₂, …), row-major.
 * <p>A state of this field is a whole minibatch, [minibatch, d] row-major; the pull-back recomputes the hidden
 * activations rather than keeping them.
 */
public final class DenseVectorField implements DifferentiableVectorField {

    /**
     * The architecture: state size d, hidden widths, activations, and whether t is an input.
     *
     * @param dimension        d, the size of one state
     * @param hidden           widths of the hidden layers (at least one)
     * @param activation       activation of the hidden layers
     * @param inputActivation  element-wise map of the state before the first layer (identity: none)
     * @param timeInput        whether t is appended to the first layer's input
     */
    public record Architecture(int dimension, int[] hidden, Activation activation, Activation inputActivation,
                               boolean timeInput, Invariant invariant) {

        /** An architecture with no invariant. */
        public Architecture(int dimension, int[] hidden, Activation activation, Activation inputActivation,
                            boolean timeInput) {
            this(dimension, hidden, activation, inputActivation, timeInput, Invariant.NONE);
        }

        /** Number of dense layers (hidden layers + output layer). */
        public int layers() {
            return hidden.length + 1;
        }

        /** Input width of dense layer l. */
        public int inputWidth(int l) {
            return l == 0 ? dimension + (timeInput ? 1 : 0) : hidden[l - 1];
        }

        /** Output width of dense layer l (the last one: d, or the d(d − 1) flow rates for {@link Invariant#MASS}). */
        public int outputWidth(int l) {
            if (l < hidden.length) {
                return hidden[l];
            }
            return invariant == Invariant.MASS ? dimension * (dimension - 1) : dimension;
        }

        /** Total number of parameters. */
        public int parameterCount() {
            int count = 0;
            for (int l = 0; l < layers(); l++) {
                count += (inputWidth(l) + 1) * outputWidth(l);
            }
            return count;
        }

        /** Offset of Wₗ in θ (bₗ follows it). */
        public int weightOffset(int l) {
            int offset = 0;
            for (int i = 0; i < l; i++) {
                offset += (inputWidth(i) + 1) * outputWidth(i);
            }
            return offset;
        }

        /** out = in Wₗ (+ bₗ) for a minibatch of {@code batch} rows, Wₗ stored [in, out] in θ. */
        public void multiply(double[] theta, int l, double[] in, double[] out, int batch, boolean bias) {
            int nIn = inputWidth(l);
            int nOut = outputWidth(l);
            int w = weightOffset(l);
            for (int b = 0; b < batch; b++) {
                int row = b * nOut;
                if (bias) {
                    System.arraycopy(theta, w + nIn * nOut, out, row, nOut);
                } else {
                    Arrays.fill(out, row, row + nOut, 0.0);
                }
                for (int k = 0; k < nIn; k++) {
                    double v = in[b * nIn + k];
                    if (v != 0) {
                        int wRow = w + k * nOut;
                        for (int j = 0; j < nOut; j++) {
                            out[row + j] += v * theta[wRow + j];
                        }
                    }
                }
            }
        }

        /**
         * The pull-back of {@link #multiply}: adds inᵀ g to Wₗ's gradient (and g's column sums to bₗ's when
         * {@code bias}) and writes g Wₗᵀ into {@code back}.
         */
        public void pull(double[] theta, int l, double[] in, double[] g, double[] back, double[] parameterGradient,
                         int batch, boolean bias) {
            int nIn = inputWidth(l);
            int nOut = outputWidth(l);
            int w = weightOffset(l);
            for (int b = 0; b < batch; b++) {
                int row = b * nOut;
                if (bias) {
                    for (int j = 0; j < nOut; j++) {
                        parameterGradient[w + nIn * nOut + j] += g[row + j];
                    }
                }
                for (int k = 0; k < nIn; k++) {
                    double v = in[b * nIn + k];
                    int wRow = w + k * nOut;
                    double dot = 0;
                    for (int j = 0; j < nOut; j++) {
                        parameterGradient[wRow + j] += v * g[row + j];
                        dot += g[row + j] * theta[wRow + j];
                    }
                    back[b * nIn + k] = dot;
                }
            }
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Architecture a && a.dimension == dimension && Arrays.equals(a.hidden, hidden)
                    && a.activation == activation && a.inputActivation == inputActivation && a.timeInput == timeInput
                    && a.invariant == invariant;
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(hidden) + dimension + activation.hashCode();
        }

        @Override
        public String toString() {
            return "Architecture[d=" + dimension + ", hidden=" + Arrays.toString(hidden) + ", " + activation
                    + ", input " + inputActivation + (timeInput ? ", time input" : "")
                    + (invariant == Invariant.MASS ? ", mass-conserving]" : "]");
        }
    }

    private final Architecture architecture;
    private final double[] theta;
    private final int batch;
    private final ScalarActivation hiddenActivation;
    private final ScalarActivation inputActivation;
    /** Pre-activations and activations of every layer, and the (mapped) input. */
    private final double[][] pre;
    private final double[][] post;
    private final double[] input;
    private final double[] gradientA;
    private final double[] gradientB;

    /**
     * @param theta the parameters (used in place, not copied)
     * @param batch number of states in the minibatch
     * @param owner names the layer in messages
     */
    public DenseVectorField(Architecture architecture, double[] theta, int batch, String owner) {
        if (theta.length != architecture.parameterCount()) {
            throw new IllegalArgumentException(owner + ": expected " + architecture.parameterCount()
                    + " parameters for " + architecture + "; got " + theta.length);
        }
        this.architecture = architecture;
        this.theta = theta;
        this.batch = batch;
        this.hiddenActivation = new ScalarActivation(architecture.activation(), owner);
        this.inputActivation = new ScalarActivation(architecture.inputActivation(), owner);
        int layers = architecture.layers();
        this.pre = new double[layers][];
        this.post = new double[layers][];
        int widest = architecture.inputWidth(0);
        for (int l = 0; l < layers; l++) {
            pre[l] = new double[batch * architecture.outputWidth(l)];
            post[l] = new double[batch * architecture.outputWidth(l)];
            widest = Math.max(widest, architecture.outputWidth(l));
        }
        this.input = new double[batch * architecture.inputWidth(0)];
        this.gradientA = new double[batch * widest];
        this.gradientB = new double[batch * widest];
    }

    public Architecture architecture() {
        return architecture;
    }

    @Override
    public int stateSize() {
        return batch * architecture.dimension();
    }

    @Override
    public int parameterCount() {
        return theta.length;
    }

    @Override
    public void evaluate(double t, double[] x, double[] out) {
        forward(t, x);
        if (architecture.invariant() == Invariant.MASS) {
            flows(post[architecture.layers() - 1], x, out);
        } else {
            System.arraycopy(post[architecture.layers() - 1], 0, out, 0, stateSize());
        }
    }

    /**
     * Fᵢ = Σ_{j≠i} (φⱼᵢ − φᵢⱼ) with φᵢⱼ = softplus(rᵢⱼ) xᵢ, rates r [batch, d(d − 1)] (pair (i, j) in row-major order).
     */
    private void flows(double[] rates, double[] x, double[] out) {
        int d = architecture.dimension();
        Arrays.fill(out, 0, stateSize(), 0.0);
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    if (j != i) {
                        double flow = ScalarActivation.softplus(rates[pair(b, i, j, d)]) * x[b * d + i];
                        out[b * d + i] -= flow;
                        out[b * d + j] += flow;
                    }
                }
            }
        }
    }

    /** Index of the rate of the flow i → j of minibatch row b. */
    private static int pair(int b, int i, int j, int d) {
        return b * d * (d - 1) + i * (d - 1) + (j < i ? j : j - 1);
    }



    private void forward(double t, double[] x) {
        int d = architecture.dimension();
        int width0 = architecture.inputWidth(0);
        if (architecture.timeInput()) {
            double[] mapped = new double[batch * d];
            inputActivation.apply(x, mapped, batch, d);
            for (int i = 0; i < batch; i++) {
                System.arraycopy(mapped, i * d, input, i * width0, d);
                input[i * width0 + d] = t;
            }
        } else {
            inputActivation.apply(x, input, batch, d);
        }
        double[] in = input;
        int last = architecture.layers() - 1;
        for (int l = 0; l <= last; l++) {
            architecture.multiply(theta, l, in, pre[l], batch, true);
            if (l < last) {
                hiddenActivation.apply(pre[l], post[l], batch, architecture.outputWidth(l));
            } else {
                System.arraycopy(pre[l], 0, post[l], 0, pre[l].length);
            }
            in = post[l];
        }
    }

    @Override
    public void pullback(double t, double[] x, double[] c, double[] stateGradient, double[] parameterGradient) {
        forward(t, x);
        int last = architecture.layers() - 1;
        double[] g = gradientA;
        double[] next = gradientB;
        int d = architecture.dimension();
        double[] direct = null;
        if (architecture.invariant() == Invariant.MASS) {
            // φᵢⱼ = softplus(rᵢⱼ) xᵢ enters F with ∂F/∂φᵢⱼ = e_j − e_i
            double[] rates = post[last];
            direct = new double[stateSize()];
            for (int b = 0; b < batch; b++) {
                for (int i = 0; i < d; i++) {
                    for (int j = 0; j < d; j++) {
                        if (j != i) {
                            int k = pair(b, i, j, d);
                            double flowGradient = c[b * d + j] - c[b * d + i];
                            g[k] = flowGradient * x[b * d + i] * ScalarActivation.sigmoid(rates[k]);
                            direct[b * d + i] += flowGradient * ScalarActivation.softplus(rates[k]);
                        }
                    }
                }
            }
        } else {
            System.arraycopy(c, 0, g, 0, stateSize());
        }
        for (int l = last; l >= 0; l--) {
            int nOut = architecture.outputWidth(l);
            if (l < last) {
                hiddenActivation.pullback(pre[l], g, batch, nOut);
            }
            double[] in = l == 0 ? input : post[l - 1];
            architecture.pull(theta, l, in, g, next, parameterGradient, batch, true);
            double[] swap = g;
            g = next;
            next = swap;
        }
        int width0 = architecture.inputWidth(0);
        for (int i = 0; i < batch; i++) {
            System.arraycopy(g, i * width0, stateGradient, i * d, d);
        }
        inputActivation.pullback(x, stateGradient, batch, d);
        if (direct != null) {
            for (int i = 0; i < direct.length; i++) {
                stateGradient[i] += direct[i];
            }
        }
    }
}
