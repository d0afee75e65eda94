package io.github.structnet.lipschitz;

import lombok.Data;
import lombok.EqualsAndHashCode;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.LossUtil;

/**
 * Multi-class hinge loss with a margin, for 1-Lipschitz classifiers (use with identity activation).
 * <pre>
 *   ℓ(z, y) = Σ_{j≠y} max(0, m − (z_y − z_j))
 * </pre>
 * Zero loss means every margin z_y − z_j is at least m; for an L-Lipschitz network that certifies a radius of
 * m/(√2·L) (see {@code MarginCertificate}). Labels are one-hot.
 *
 * @see <a href="https://arxiv.org/abs/2006.06520">Béthune et al. 2022, Pay attention to your loss</a>
 */
@Data
@EqualsAndHashCode(callSuper = false)
public class MultiClassHinge extends PerExampleLoss implements MarginLoss {

    private double margin;

    private MultiClassHinge() {
        // for Jackson
    }

    /** @param margin m &gt; 0 */
    public MultiClassHinge(double margin) {
        changeMargin(margin);
    }

    @Override
    public double marginValue() {
        return margin;
    }

    /** Sets the margin m. */
    @Override
    public void changeMargin(double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("MultiClassHinge: margin must be positive and finite; got " + value);
        }
        this.margin = value;
    }

    /** Per-class violations max(0, m − z_y + z_j), zero on the true class; [n, k]. */
    private INDArray violations(INDArray labels, INDArray z) {
        INDArray own = z.mul(labels).sum(true, 1); // z_y, [n, 1]
        INDArray v = z.subColumnVector(own).addi(margin);
        v.muli(labels.rsub(1.0)); // exclude j = y
        return org.nd4j.linalg.ops.transforms.Transforms.relu(v, false);
    }

    private INDArray preOut(INDArray preOutput, IActivation activationFn) {
        return activationFn.getActivation(preOutput.dup(), true);
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        INDArray scores = violations(labels, preOut(preOutput, activationFn)).sum(true, 1);
        if (mask != null) {
            LossUtil.applyMask(scores, mask);
        }
        return scores;
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        INDArray z = preOut(preOutput, activationFn);
        INDArray active = violations(labels, z).gt(0.0).castTo(z.dataType()); // [n, k], j ≠ y
        // ∂/∂z_j = 1 for active j ≠ y;  ∂/∂z_y = −(number of active j)
        INDArray dz = active.sub(labels.mulColumnVector(active.sum(true, 1)));
        if (mask != null) {
            LossUtil.applyMask(dz, mask);
        }
        return activationFn.backprop(preOutput.dup(), dz).getFirst();
    }

    @Override
    public String name() {
        return "MultiClassHinge(m=" + margin + ")";
    }
}
