package io.github.structnet.symplectic;

import io.github.structnet.ode.ImplicitMidpoint;
import io.github.structnet.ode.Steps;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * One implicit midpoint step of ẋ = F(x) = 𝕁∇H(x) for a learned potential H(x) = uᵀγ(A x + a) ({@link
 * ScalarPotential}), solved by Newton's method, together with the resolvent that gives the step's exact derivatives.
 * <pre>
 *   R(y) = y − x − h F((x + y)/2) = 0,      R′(y) = I − (h/2) 𝕁 ∇²H((x + y)/2),      y ← y − R′(y)⁻¹ R(y)
 * </pre>
 * started from the explicit Euler predictor; if that fails, by continuation in h (Newton on h/k, 2h/k, …, h, each
 * started from the previous solution; k = 4, 16, 64), which follows the branch of solutions that starts at x for h = 0.
 * Unlike the fixed-point iteration ({@link ImplicitMidpoint}), which
 * needs the contraction h·Lip(F)/2 &lt; 1, Newton's method needs only R′ invertible near the solution, and converges
 * quadratically there. It stops when the correction is at most max(tolerance, rounding level) in the max norm; the
 * rounding level is a first-order bound, computed for every example from the weights and the iterate, on the error
 * with which R(y) can be evaluated in the data type, carried through R′⁻¹: corrections below it are noise that no
 * iteration removes. If the correction does not get there within {@code maxIterations}, or R′ is singular, it throws
 * {@link ImplicitMidpoint.NotConvergedException}.
 *
 * <p><b>Derivatives.</b> With P = R′(ŷ)⁻¹ at the solution ŷ, the implicit function theorem gives
 * ∂ŷ/∂x = P (I + (h/2) 𝕁∇²H) and ∂ŷ/∂θ = h P ∂F/∂θ: the one Newton step ŷ − P R(ŷ) taken in the graph with ŷ and
 * P held constant has exactly these derivatives and the value ŷ (R(ŷ) is at the rounding level).
 */
public final class HamiltonianMidpoint {

    /** The solution ŷ [mb, d], the resolvent P = R′⁻¹ at the last iterate [mb, d, d] and the Newton steps taken. */
    public record Step(INDArray next, INDArray resolvent, int iterations) {
    }

    /** The largest number of continuation stages tried (1, 4, 16, 64). */
    private static final int MAX_STAGES = 64;

    private final ScalarPotential potential;
    private final INDArray weights;
    private final INDArray bias;
    private final INDArray outer;
    private final INDArray absWeights;
    private final INDArray absOuter;

    /**
     * @param potential the potential γ
     * @param weights   A [m, d] (d = 2n even)
     * @param bias      a [1, m]
     * @param outer     u [1, m]
     */
    public HamiltonianMidpoint(ScalarPotential potential, INDArray weights, INDArray bias, INDArray outer) {
        this.potential = potential;
        this.weights = weights;
        this.bias = bias;
        this.outer = outer;
        this.absWeights = Transforms.abs(weights, true);
        this.absOuter = Transforms.abs(outer, true);
    }

    /** F(y) = 𝕁∇H(y) = (∇_p H, −∇_q H) for a batch y [mb, d]. */
    public INDArray field(INDArray y) {
        INDArray g = potential.gradient(y, weights, bias, outer);
        INDArray swapped = swapHalves(g);
        swapped.get(NDArrayIndex.all(), NDArrayIndex.interval(swapped.columns() / 2, swapped.columns())).negi();
        return swapped;
    }

    /**
     * Solves one step from x [mb, d] with step h.
     *
     * @param tolerance     the requested bound on the last Newton correction (max norm); the rounding level replaces
     *                      it where it is larger
     * @param maxIterations Newton steps allowed (≥ 1)
     */
    public Step solve(INDArray x, double h, double tolerance, int maxIterations) {
        Steps.requireStep(h, "HamiltonianMidpoint");
        if (!(tolerance > 0) || maxIterations < 1) {
            throw new IllegalArgumentException("HamiltonianMidpoint: tolerance must be positive and maxIterations >= 1;"
                    + " got " + tolerance + " and " + maxIterations);
        }
        String failure = null;
        for (int stages = 1; stages <= MAX_STAGES; stages *= 4) {
            try {
                return continuation(x, h, tolerance, maxIterations, stages);
            } catch (ImplicitMidpoint.NotConvergedException e) {
                failure = e.getMessage();
            }
        }
        throw new ImplicitMidpoint.NotConvergedException("HamiltonianMidpoint: no solution of the midpoint equation"
                + " was found by continuation from h = 0 in up to " + MAX_STAGES + " stages (" + failure + "); the"
                + " step h = " + h + " is too large for these weights: the solution branch folds (I − (h/2)𝕁∇²H"
                + " turns singular) before h: reduce h or take more steps");
    }

    /**
     * Newton's method on the step sizes h·s/stages, s = 1…stages, each started from the previous solution scaled
     * along y − x ≈ h F (for one stage: the explicit Euler predictor), so it follows the branch of solutions that
     * starts at x for h = 0.
     */
    private Step continuation(INDArray x, double h, double tolerance, int maxIterations, int stages) {
        INDArray y = x.add(field(x).muli(h / stages));
        Step step = null;
        for (int s = 1; s <= stages; s++) {
            double hs = h * s / stages;
            if (s > 1) {
                y = step.next().sub(x).muli((double) s / (s - 1)).addi(x);
            }
            step = newton(x, y, hs, tolerance, maxIterations);
        }
        return step;
    }

    private Step newton(INDArray x, INDArray start, double h, double tolerance, int maxIterations) {
        INDArray y = start;
        double correction = Double.NaN;
        double level = Double.NaN;
        for (int k = 1; k <= maxIterations; k++) {
            INDArray mid = x.add(y).muli(0.5);
            INDArray resolvent = resolvent(mid, h);
            if (resolvent == null) {
                throw new ImplicitMidpoint.NotConvergedException("singular Jacobian at Newton iteration " + k);
            }
            INDArray delta = applyBatched(resolvent, residual(x, y, h));
            correction = delta.amaxNumber().doubleValue();
            level = roundingLevel(x, y, mid, h, resolvent);
            if (correction <= Math.max(tolerance, level)) {
                return new Step(y.sub(delta), resolvent, k);
            }
            if (!Double.isFinite(correction)) {
                break;
            }
            y = y.sub(delta);
        }
        throw new ImplicitMidpoint.NotConvergedException("last Newton correction " + correction + " after "
                + maxIterations + " iterations at h = " + h + ", tolerance " + tolerance + ", rounding level "
                + level);
    }

    /** R(y) = y − x − h F((x + y)/2). */
    INDArray residual(INDArray x, INDArray y, double h) {
        return y.sub(x).subi(field(x.add(y).muli(0.5)).muli(h));
    }

    /** P = (I − (h/2) 𝕁 ∇²H(mid))⁻¹ for every row of mid; [mb, d, d]; null if a matrix is singular. */
    INDArray resolvent(INDArray mid, double h) {
        INDArray hessian = potential.hessian(mid, weights, bias, outer);
        long mb = mid.rows();
        long d = mid.columns();
        long n = d / 2;
        // rows of 𝕁S: the p-rows of S, then minus the q-rows
        INDArray jacobian = Nd4j.concat(1, hessian.get(NDArrayIndex.all(), NDArrayIndex.interval(n, d),
                NDArrayIndex.all()), hessian.get(NDArrayIndex.all(), NDArrayIndex.interval(0, n),
                NDArrayIndex.all()).neg());
        INDArray identity = Nd4j.eye(d).castTo(mid.dataType()).reshape(1, d * d).repeat(0, mb).reshape(mb, d, d);
        return invert(identity.subi(jacobian.muli(h / 2)));
    }

    /**
     * The inverses of a batch of small matrices [mb, d, d] by Gauss–Jordan elimination with partial pivoting in
     * double precision; null if any is singular (a pivot below 1e-300 or not finite). Written out rather than
     * libnd4j's matrix_inverse, which fails with an exception on singular input.
     */
    static INDArray invert(INDArray matrices) {
        int mb = (int) matrices.size(0);
        int d = (int) matrices.size(1);
        double[] all = matrices.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        double[] inverses = new double[all.length];
        double[] a = new double[d * d];
        double[] inv = new double[d * d];
        for (int b = 0; b < mb; b++) {
            System.arraycopy(all, b * d * d, a, 0, d * d);
            java.util.Arrays.fill(inv, 0);
            for (int i = 0; i < d; i++) {
                inv[i * d + i] = 1;
            }
            for (int col = 0; col < d; col++) {
                int pivot = col;
                for (int r = col + 1; r < d; r++) {
                    if (Math.abs(a[r * d + col]) > Math.abs(a[pivot * d + col])) {
                        pivot = r;
                    }
                }
                double p = a[pivot * d + col];
                if (!(Math.abs(p) > 1e-300) || !Double.isFinite(p)) {
                    return null;
                }
                swapRows(a, d, col, pivot);
                swapRows(inv, d, col, pivot);
                for (int j = 0; j < d; j++) {
                    a[col * d + j] /= p;
                    inv[col * d + j] /= p;
                }
                for (int r = 0; r < d; r++) {
                    double f = a[r * d + col];
                    if (r == col || f == 0) {
                        continue;
                    }
                    for (int j = 0; j < d; j++) {
                        a[r * d + j] -= f * a[col * d + j];
                        inv[r * d + j] -= f * inv[col * d + j];
                    }
                }
            }
            System.arraycopy(inv, 0, inverses, b * d * d, d * d);
        }
        return Nd4j.create(inverses, new long[]{mb, d, d}, DataType.DOUBLE).castTo(matrices.dataType());
    }

    private static void swapRows(double[] m, int d, int i, int j) {
        if (i == j) {
            return;
        }
        for (int k = 0; k < d; k++) {
            double t = m[i * d + k];
            m[i * d + k] = m[j * d + k];
            m[j * d + k] = t;
        }
    }

    /**
     * A first-order bound on ‖P · (fl(R(y)) − R(y))‖_∞ over the batch, 2 × for the update itself. Per component,
     * |fl(R) − R| ≤ ε (|y| + |x| + h [(m + 4) |A|ᵀ(|u| ⊙ |γ′(z)|) + (d + 1) |A|ᵀ(|u| ⊙ |γ″(z)| ⊙ (|A||mid| + |a|))])
     * (swapped into 𝕁's order), with z = A mid + a: the products and sums of F, and the error in z passed on by γ″.
     */
    private double roundingLevel(INDArray x, INDArray y, INDArray mid, double h, INDArray resolvent) {
        double eps = mid.dataType() == DataType.DOUBLE ? 0x1.0p-53 : 0x1.0p-24;
        long m = weights.rows();
        long d = weights.columns();
        INDArray z = potential.preActivation(mid, weights, bias);
        INDArray zScale = Transforms.abs(mid, true).mmul(absWeights.transpose()).addiRowVector(Transforms.abs(bias,
                true));
        INDArray products = Transforms.abs(potential.firstDerivative(z), false).muliRowVector(absOuter)
                .mmul(absWeights).muli(m + 4);
        INDArray propagated = Transforms.abs(potential.secondDerivative(z), false).muli(zScale)
                .muliRowVector(absOuter).mmul(absWeights).muli(d + 1);
        INDArray perComponent = swapHalves(products.addi(propagated)).muli(h)
                .addi(Transforms.abs(x, true)).addi(Transforms.abs(y, true)).muli(eps);
        return 2 * applyBatched(Transforms.abs(resolvent, true), perComponent).amaxNumber().doubleValue();
    }

    /** Row b of the result is matrices[b] · vectors[b]; matrices [mb, d, d], vectors [mb, d]. */
    static INDArray applyBatched(INDArray matrices, INDArray vectors) {
        return matrices.mul(vectors.reshape(vectors.rows(), 1, vectors.columns())).sum(2);
    }

    private static INDArray swapHalves(INDArray v) {
        long n = v.columns() / 2;
        return Nd4j.hstack(v.get(NDArrayIndex.all(), NDArrayIndex.interval(n, 2 * n)),
                v.get(NDArrayIndex.all(), NDArrayIndex.interval(0, n)));
    }
}
