package io.github.structnet.ode;

import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A DL4J {@link Activation} applied to a row-major block of doubles, with its vector–Jacobian product (internal to
 * the vector fields). The common element-wise activations are computed in place on the JVM; every other DL4J
 * activation goes through its own {@link IActivation} on an ND4J copy, so any activation works and each one means
 * what it means in DL4J (a test holds the two routes equal).
 */
public final class ScalarActivation {

    private final Activation activation;
    private final IActivation dl4j;

    /**
     * @param owner names the layer in messages
     * @throws IllegalArgumentException for a missing activation or RRELU (random in training)
     */
    public ScalarActivation(Activation activation, String owner) {
        if (activation == null) {
            throw new IllegalArgumentException(owner + ": activation must be set");
        }
        if (activation == Activation.RRELU) {
            throw new IllegalArgumentException(owner + ": activation RRELU is random in training; a vector field must"
                    + " be a deterministic function of (t, x): use LEAKYRELU, ELU, TANH, ...");
        }
        this.activation = activation;
        this.dl4j = activation.getActivationFunction();
    }

    /** Whether the activation is computed on the JVM (else through DL4J's implementation). */
    boolean isNative() {
        return switch (activation) {
            case IDENTITY, TANH, SIGMOID, RELU, SOFTPLUS, ELU, SWISH, CUBE, SOFTSIGN -> true;
            default -> false;
        };
    }

    /** out = σ(z) for a [rows, cols] block. */
    void apply(double[] z, double[] out, int rows, int cols) {
        if (!isNative()) {
            INDArray in = Nd4j.createFromArray(z).reshape(rows, cols);
            INDArray result = dl4j.getActivation(in, true);
            System.arraycopy(result.data().asDouble(), 0, out, 0, rows * cols);
            return;
        }
        for (int i = 0; i < rows * cols; i++) {
            out[i] = value(z[i]);
        }
    }

    /** g ← g ⊙ σ′(z) (the vector–Jacobian product for an element-wise σ; DL4J's backprop otherwise). */
    void pullback(double[] z, double[] g, int rows, int cols) {
        if (!isNative()) {
            INDArray in = Nd4j.createFromArray(z).reshape(rows, cols);
            INDArray epsilon = Nd4j.createFromArray(g).reshape(rows, cols);
            INDArray result = dl4j.backprop(in, epsilon).getFirst();
            System.arraycopy(result.data().asDouble(), 0, g, 0, rows * cols);
            return;
        }
        for (int i = 0; i < rows * cols; i++) {
            g[i] *= derivative(z[i]);
        }
    }

    /** σ(z) (for the activations computed on the JVM). */
    public double value(double z) {
        return switch (activation) {
            case IDENTITY -> z;
            case TANH -> tanh(z);
            case SIGMOID -> sigmoid(z);
            case RELU -> z > 0 ? z : 0;
            case SOFTPLUS -> softplus(z);
            case ELU -> z > 0 ? z : Math.expm1(z);
            case SWISH -> z * sigmoid(z);
            case CUBE -> z * z * z;
            case SOFTSIGN -> z / (1 + Math.abs(z));
            default -> throw new IllegalStateException(activation.toString());
        };
    }

    /** σ′(z) (for the activations computed on the JVM). */
    public double derivative(double z) {
        return switch (activation) {
            case IDENTITY -> 1;
            case TANH -> {
                double th = tanh(z);
                yield 1 - th * th;
            }
            case SIGMOID -> {
                double s = sigmoid(z);
                yield s * (1 - s);
            }
            case RELU -> z > 0 ? 1 : 0;
            case SOFTPLUS -> sigmoid(z);
            case ELU -> z > 0 ? 1 : Math.exp(z);
            case SWISH -> {
                double s = sigmoid(z);
                yield s + z * s * (1 - s);
            }
            case CUBE -> 3 * z * z;
            case SOFTSIGN -> {
                double d = 1 + Math.abs(z);
                yield 1 / (d * d);
            }
            default -> throw new IllegalStateException(activation.toString());
        };
    }

    /** Whether σ″ is known on the JVM: the smooth activations IDENTITY, TANH, SIGMOID, SOFTPLUS, SWISH and CUBE. */
    public boolean hasSecondDerivative() {
        return switch (activation) {
            case IDENTITY, TANH, SIGMOID, SOFTPLUS, SWISH, CUBE -> true;
            default -> false;
        };
    }

    /** σ″(z), for the activations of {@link #hasSecondDerivative()}. */
    public double secondDerivative(double z) {
        return switch (activation) {
            case IDENTITY -> 0;
            case TANH -> {
                double th = tanh(z);
                yield -2 * th * (1 - th * th);
            }
            case SIGMOID, SOFTPLUS -> {
                double s = sigmoid(z);
                double first = s * (1 - s);
                yield activation == Activation.SOFTPLUS ? first : first * (1 - 2 * s);
            }
            case SWISH -> {
                double s = sigmoid(z);
                double first = s * (1 - s);
                yield 2 * first + z * first * (1 - 2 * s);
            }
            case CUBE -> 6 * z;
            default -> throw new IllegalStateException(activation + " has no second derivative here");
        };
    }

    /**
     * tanh through the exponential (a JIT intrinsic; {@code Math.tanh} is a native call several times slower), with
     * its Taylor series near 0 where 1 − e^{−2|z|} would cancel: within a few units in the last place of
     * {@code Math.tanh}.
     */
    static double tanh(double z) {
        double a = Math.abs(z);
        if (a < 0.02) {
            double z2 = z * z;
            return z * (1 - z2 * (1.0 / 3 - z2 * (2.0 / 15 - z2 * (17.0 / 315))));
        }
        if (a > 22) {
            return Math.copySign(1.0, z);
        }
        double e = Math.exp(-2 * a);
        return Math.copySign((1 - e) / (1 + e), z);
    }

    /** log(1 + eᶻ), without overflow. */
    static double softplus(double z) {
        return z > 30 ? z : Math.log1p(Math.exp(z));
    }

    static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }
}
