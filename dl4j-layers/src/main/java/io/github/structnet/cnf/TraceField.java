package io.github.structnet.cnf;

import io.github.structnet.ode.DenseVectorField;
import io.github.structnet.ode.DifferentiableVectorField;
import io.github.structnet.ode.ScalarActivation;
import org.nd4j.linalg.activations.Activation;

/**
 * The augmented vector field of a continuous normalising flow: for a minibatch of states x and a dense field
 * f_θ(t, x) = W_L σ(… σ(W₀ [x, t] + b₀) …) + b_L ({@link DenseVectorField.Architecture}, identity input map),
 * <pre>
 *   d/dt (x, Δ) = (f_θ(t, x),  Σ_p v_pᵀ (∂f_θ/∂x) v_p)
 * </pre>
 * per example, with probe vectors v_p. With the d unit vectors as probes the second component is exactly
 * tr(∂f/∂x); with one Rademacher vector ε (entries ±1) it is Hutchinson's estimate εᵀ(∂f/∂x)ε, whose mean over ε
 * is the trace.
 * <p>Each Jacobian–vector product (∂f/∂x) v is one forward-mode pass along the network (ȧ₀ = v W₀,
 * ȧₗ = σ′(aₗ₋₁) ȧₗ₋₁ Wₗ); the pull-back differentiates that pass once more (σ″ enters), so the activation must have a
 * known second derivative ({@link ScalarActivation#hasSecondDerivative()}). State layout: [x (minibatch · d,
 * row-major), Δ (minibatch)]; Δ does not enter the right-hand side.
 */
public final class TraceField implements DifferentiableVectorField {

    private final DenseVectorField.Architecture architecture;
    private final double[] theta;
    private final int batch;
    private final int d;
    private final double[][] probes;
    private final ScalarActivation sigma;
    /** Primal pre-activations aₗ and activations hₗ = σ(aₗ) (hidden layers), and the input [x, t]. */
    private final double[][] pre;
    private final double[][] post;
    private final double[] input;
    /** Per probe: tangent pre-activations ȧₗ and tangent activations ḣₗ = σ′(aₗ) ȧₗ; the probe's input [v, 0]. */
    private final double[][][] tangentPre;
    private final double[][][] tangentPost;
    private final double[][] tangentInput;
    private final double[][] secondOrder;
    private final double[] gradientA;
    private final double[] gradientB;

    /**
     * @param theta  the field's parameters (used in place)
     * @param probes probe vectors, each [minibatch · d] row-major (one vector per example)
     * @param owner  names the layer in messages
     */
    public TraceField(DenseVectorField.Architecture architecture, double[] theta, int batch, double[][] probes,
                      String owner) {
        if (theta.length != architecture.parameterCount()) {
            throw new IllegalArgumentException(owner + ": expected " + architecture.parameterCount()
                    + " parameters for " + architecture + "; got " + theta.length);
        }
        this.sigma = requireSecondDerivative(architecture.activation(), owner);
        this.architecture = architecture;
        this.theta = theta;
        this.batch = batch;
        this.d = architecture.dimension();
        this.probes = probes;
        int layers = architecture.layers();
        int width0 = architecture.inputWidth(0);
        this.pre = new double[layers][];
        this.post = new double[layers][];
        this.secondOrder = new double[layers][];
        this.tangentPre = new double[probes.length][layers][];
        this.tangentPost = new double[probes.length][layers][];
        this.tangentInput = new double[probes.length][batch * width0];
        int widest = width0;
        for (int l = 0; l < layers; l++) {
            int width = architecture.outputWidth(l);
            widest = Math.max(widest, width);
            pre[l] = new double[batch * width];
            post[l] = new double[batch * width];
            secondOrder[l] = new double[batch * width];
            for (int p = 0; p < probes.length; p++) {
                tangentPre[p][l] = new double[batch * width];
                tangentPost[p][l] = new double[batch * width];
            }
        }
        for (int p = 0; p < probes.length; p++) {
            if (probes[p].length != batch * d) {
                throw new IllegalArgumentException(owner + ": a probe must hold " + batch * d + " values; got "
                        + probes[p].length);
            }
            for (int b = 0; b < batch; b++) {
                System.arraycopy(probes[p], b * d, tangentInput[p], b * width0, d);
            }
        }
        this.input = new double[batch * width0];
        this.gradientA = new double[batch * widest];
        this.gradientB = new double[batch * widest];
    }

    /**
     * The activation on the JVM, if it has a second derivative there.
     *
     * @throws IllegalArgumentException naming the layer and the activation otherwise
     */
    static ScalarActivation requireSecondDerivative(Activation activation, String owner) {
        ScalarActivation sigma = new ScalarActivation(activation, owner);
        if (!sigma.hasSecondDerivative()) {
            throw new IllegalArgumentException(owner + ": the log-density needs the second derivative of the"
                    + " activation; " + activation + " has none here (use TANH, SOFTPLUS, SIGMOID, SWISH, CUBE or"
                    + " IDENTITY)");
        }
        return sigma;
    }

    @Override
    public int stateSize() {
        return batch * (d + 1);
    }

    @Override
    public int parameterCount() {
        return theta.length;
    }

    @Override
    public void evaluate(double t, double[] z, double[] out) {
        forward(t, z);
        int last = architecture.layers() - 1;
        System.arraycopy(pre[last], 0, out, 0, batch * d);
        for (int b = 0; b < batch; b++) {
            double sum = 0;
            for (int p = 0; p < probes.length; p++) {
                for (int i = 0; i < d; i++) {
                    sum += probes[p][b * d + i] * tangentPre[p][last][b * d + i];
                }
            }
            out[batch * d + b] = sum;
        }
    }

    /** The primal pass and, per probe, the tangent pass. */
    private void forward(double t, double[] z) {
        int width0 = architecture.inputWidth(0);
        for (int b = 0; b < batch; b++) {
            System.arraycopy(z, b * d, input, b * width0, d);
            if (architecture.timeInput()) {
                input[b * width0 + d] = t;
            }
        }
        int last = architecture.layers() - 1;
        double[] in = input;
        for (int l = 0; l <= last; l++) {
            architecture.multiply(theta, l, in, pre[l], batch, true);
            if (l < last) {
                for (int i = 0; i < pre[l].length; i++) {
                    post[l][i] = sigma.value(pre[l][i]);
                }
            }
            in = post[l];
        }
        for (int p = 0; p < probes.length; p++) {
            double[] tangent = tangentInput[p];
            for (int l = 0; l <= last; l++) {
                architecture.multiply(theta, l, tangent, tangentPre[p][l], batch, false);
                if (l < last) {
                    for (int i = 0; i < pre[l].length; i++) {
                        tangentPost[p][l][i] = sigma.derivative(pre[l][i]) * tangentPre[p][l][i];
                    }
                }
                tangent = tangentPost[p][l];
            }
        }
    }

    /**
     * The pull-back of c = (c_x, c_Δ): reverse mode through each probe's tangent pass (seeded with c_Δ v_p; adds σ″
     * terms to the primal adjoints), then through the primal pass (seeded with c_x).
     */
    @Override
    public void pullback(double t, double[] z, double[] c, double[] stateGradient, double[] parameterGradient) {
        forward(t, z);
        int last = architecture.layers() - 1;
        for (double[] s : secondOrder) {
            java.util.Arrays.fill(s, 0.0);
        }
        double[] g = gradientA;
        double[] back = gradientB;
        for (int p = 0; p < probes.length; p++) {
            for (int b = 0; b < batch; b++) {
                for (int i = 0; i < d; i++) {
                    g[b * d + i] = c[batch * d + b] * probes[p][b * d + i];
                }
            }
            for (int l = last; l >= 0; l--) {
                double[] in = l == 0 ? tangentInput[p] : tangentPost[p][l - 1];
                architecture.pull(theta, l, in, g, back, parameterGradient, batch, false);
                if (l > 0) {
                    int h = l - 1;
                    for (int i = 0; i < pre[h].length; i++) {
                        secondOrder[h][i] += sigma.secondDerivative(pre[h][i]) * tangentPre[p][h][i] * back[i];
                        back[i] *= sigma.derivative(pre[h][i]);
                    }
                }
                double[] swap = g;
                g = back;
                back = swap;
            }
        }
        System.arraycopy(c, 0, g, 0, batch * d);
        for (int l = last; l >= 0; l--) {
            double[] in = l == 0 ? input : post[l - 1];
            architecture.pull(theta, l, in, g, back, parameterGradient, batch, true);
            if (l > 0) {
                int h = l - 1;
                for (int i = 0; i < pre[h].length; i++) {
                    back[i] = back[i] * sigma.derivative(pre[h][i]) + secondOrder[h][i];
                }
            }
            double[] swap = g;
            g = back;
            back = swap;
        }
        int width0 = architecture.inputWidth(0);
        for (int b = 0; b < batch; b++) {
            System.arraycopy(g, b * width0, stateGradient, b * d, d);
            stateGradient[batch * d + b] = 0;
        }
    }
}
