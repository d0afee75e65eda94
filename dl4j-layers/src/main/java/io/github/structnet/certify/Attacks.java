package io.github.structnet.certify;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * ℓ2 adversarial attacks for empirical robust accuracy, batched over the rows of the input.
 * <ul>
 *   <li>FGSM (ℓ2): x + ε · g/‖g‖, one step along the loss gradient g = ∇ₓL(x, y);</li>
 *   <li>PGD (ℓ2): x_{k+1} = Π_{‖x′−x‖≤ε}(x_k + α g_k/‖g_k‖), from x or a random point of the ball, optionally clipped
 *       to a box [lo, hi] (pixel range).</li>
 * </ul>
 * An attack gives an upper bound of the robust accuracy; a certificate gives a lower bound. So for a sound
 * certificate, the accuracy under attack at ε is never below the certified accuracy at ε.
 *
 * @see <a href="https://arxiv.org/abs/1706.06083">Madry, Makelov, Schmidt, Tsipras, Vladu 2018, Towards deep learning
 * models resistant to adversarial attacks</a>
 */
public final class Attacks {

    private Attacks() {
    }

    /** ∇ₓ L(x, y) of a classifier's training loss, per row of a batch. */
    @FunctionalInterface
    public interface InputGradient {
        INDArray gradient(INDArray x, INDArray labels);
    }

    /** The input gradient of a network's own loss (its output layer). */
    public static InputGradient of(MultiLayerNetwork net) {
        return (x, labels) -> {
            INDArray g = net.calculateGradients(x, labels, null, null).getSecond();
            net.clear();
            return g;
        };
    }

    /** Settings of a PGD attack. */
    public record Pgd(double epsilon, int steps, double stepSize, boolean randomStart, double clipMin, double clipMax,
                      long seed) {
        public Pgd {
            if (!(epsilon >= 0) || Double.isInfinite(epsilon)) {
                throw new IllegalArgumentException("Attacks.Pgd: epsilon must be >= 0 and finite; got " + epsilon);
            }
            if (steps < 1) {
                throw new IllegalArgumentException("Attacks.Pgd: steps must be >= 1; got " + steps);
            }
            if (!(stepSize > 0)) {
                throw new IllegalArgumentException("Attacks.Pgd: stepSize must be positive; got " + stepSize);
            }
            if (clipMin > clipMax) {
                throw new IllegalArgumentException("Attacks.Pgd: clipMin " + clipMin + " > clipMax " + clipMax);
            }
        }

        /** Common settings: step 2.5 ε / steps, random start, no box. */
        public static Pgd of(double epsilon, int steps, long seed) {
            return new Pgd(epsilon, steps, Math.max(2.5 * epsilon / steps, 1e-12), true,
                    Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, seed);
        }

        /** The same with the box [lo, hi] (for example [0, 1] for images). */
        public Pgd withBox(double lo, double hi) {
            return new Pgd(epsilon, steps, stepSize, randomStart, lo, hi, seed);
        }
    }

    /** One normalised gradient step of length ε per row. */
    public static INDArray fgsm(InputGradient g, INDArray x, INDArray labels, double epsilon) {
        return x.add(unitRows(g.gradient(x, labels)).muli(epsilon));
    }

    /** ℓ2 PGD; returns the adversarial batch (each row within ε of its original, and in the box). */
    public static INDArray pgd(InputGradient g, INDArray x, INDArray labels, Pgd p) {
        INDArray adv = x.dup();
        if (p.randomStart() && p.epsilon() > 0) {
            Nd4j.getRandom().setSeed(p.seed());
            INDArray noise = unitRows(Nd4j.randn(x.dataType(), x.shape()));
            INDArray radius = Nd4j.rand(x.dataType(), x.size(0), 1).muli(p.epsilon());
            adv.addi(scaleRows(noise, radius));
        }
        adv = project(adv, x, p);
        for (int k = 0; k < p.steps(); k++) {
            adv.addi(unitRows(g.gradient(adv, labels)).muli(p.stepSize()));
            adv = project(adv, x, p);
        }
        return adv;
    }

    /** The fraction of rows a network still classifies correctly (argmax of its output at inference). */
    public static double accuracy(MultiLayerNetwork net, INDArray x, INDArray labels) {
        INDArray predicted = net.output(x, false).argMax(1);
        INDArray truth = labels.rank() == 2 && labels.size(1) > 1 ? labels.argMax(1) : labels.reshape(labels.length());
        return predicted.castTo(truth.dataType()).eq(truth).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE)
                .meanNumber().doubleValue();
    }

    private static INDArray project(INDArray adv, INDArray x, Pgd p) {
        INDArray delta = flat(adv.sub(x));
        INDArray norms = delta.norm2(true, 1);
        INDArray factor = norms.rdiv(p.epsilon());
        org.nd4j.linalg.indexing.BooleanIndexing.replaceWhere(factor, 1.0,
                org.nd4j.linalg.indexing.conditions.Conditions.greaterThan(1.0));
        org.nd4j.linalg.indexing.BooleanIndexing.replaceWhere(factor, 1.0,
                org.nd4j.linalg.indexing.conditions.Conditions.isNan());
        INDArray projected = x.add(delta.mulColumnVector(factor).reshape(x.shape()));
        if (Double.isFinite(p.clipMin()) || Double.isFinite(p.clipMax())) {
            projected = org.nd4j.linalg.ops.transforms.Transforms.max(projected, p.clipMin(), false);
            projected = org.nd4j.linalg.ops.transforms.Transforms.min(projected, p.clipMax(), false);
        }
        return projected;
    }

    private static INDArray flat(INDArray a) {
        return a.reshape(a.size(0), a.length() / a.size(0));
    }

    private static INDArray unitRows(INDArray a) {
        INDArray f = flat(a.dup());
        INDArray norms = f.norm2(true, 1).addi(1e-30);
        return f.diviColumnVector(norms).reshape(a.shape());
    }

    private static INDArray scaleRows(INDArray a, INDArray factors) {
        return flat(a).mulColumnVector(factors).reshape(a.shape());
    }
}
