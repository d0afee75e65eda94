package io.github.structnet.pnp;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;

/**
 * Proximal gradient descent for y = K x + noise:
 * <pre>
 *   x_{k+1} = Γ(x_k − α Kᵀ(K x_k − y)),    α ∈ (0, 2/B²),  B ≥ ‖K‖₂ the operator's certified norm
 * </pre>
 * With Γ = prox_{αg} this is ISTA for ½‖Kx − y‖² + g(x) ({@link Ista}); with Γ a learned denoiser it is
 * Plug-and-Play. The gradient step is averaged for α &lt; 2/‖K‖², so if Γ is averaged (or just 1-Lipschitz) the
 * increments ‖x_{k+1} − x_k‖ never increase, and for averaged Γ the iterates converge to a fixed point when one
 * exists. A step outside (0, 2/B²) is refused rather than clipped.
 * <p>Stops when ‖x_{k+1} − x_k‖ / ‖x_k‖ ≤ tolerance or after maxIterations; {@link History} keeps, per iteration,
 * the relative change, the increment, the data residual ‖K x − y‖, the objective (when a regulariser g is given)
 * and the PSNR against a reference (when given). Computations run in double precision.
 */
public final class ProximalGradient {

    private final ImageOperator operator;
    private final INDArray measurement;
    private final Denoiser proximal;
    private final double step;
    private final int maxIterations;
    private final double tolerance;
    private final INDArray reference;
    private final ToDoubleFunction<INDArray> regulariser;
    private final Consumer<Iterate> listener;

    private ProximalGradient(Builder b) {
        this.operator = b.operator;
        this.measurement = b.measurement.castTo(DataType.DOUBLE);
        this.proximal = b.proximal;
        this.step = b.step;
        this.maxIterations = b.maxIterations;
        this.tolerance = b.tolerance;
        this.reference = b.reference == null ? null : b.reference.castTo(DataType.DOUBLE);
        this.regulariser = b.regulariser;
        this.listener = b.listener;
    }

    /** Starts a solver for measurement y of operator K. */
    public static Builder builder(ImageOperator operator, INDArray measurement) {
        return new Builder(operator, measurement);
    }

    /** The gradient step x − α Kᵀ(Kx − y). */
    public INDArray gradientStep(INDArray x) {
        return gradientStep(x, residualOf(x));
    }

    private INDArray gradientStep(INDArray x, INDArray residual) {
        return x.sub(operator.adjoint(residual).muli(step));
    }

    /** K x − y. */
    private INDArray residualOf(INDArray x) {
        return operator.apply(x).subi(measurement);
    }

    /**
     * Runs the iteration from x₀ (same shape as the operator's images). K is applied once per iterate: the residual
     * K x_k − y serves the history and the next gradient step.
     */
    public Reconstruction solve(INDArray start) {
        Images.require(start, operator.imageShape(), "ProximalGradient", "starting point x0");
        INDArray x = start.castTo(DataType.DOUBLE).dup();
        INDArray residual = residualOf(x);
        History history = new History();
        boolean converged = false;
        int k = 0;
        while (k < maxIterations && !converged) {
            INDArray next = proximal.apply(gradientStep(x, residual));
            Images.require(next, operator.imageShape(), "ProximalGradient", "the denoiser's output at iteration " + k);
            double increment = next.sub(x).norm2Number().doubleValue();
            double relative = increment / Math.max(x.norm2Number().doubleValue(), Double.MIN_NORMAL);
            x = next;
            residual = residualOf(x);
            k++;
            double residualNorm = residual.norm2Number().doubleValue();
            Iterate it = history.record(k, increment, relative, residualNorm, objective(x, residualNorm), psnr(x));
            if (listener != null) {
                listener.accept(it);
            }
            converged = relative <= tolerance;
        }
        return new Reconstruction(x, k, converged, history);
    }

    private double objective(INDArray x, double residualNorm) {
        return regulariser == null ? Double.NaN
                : 0.5 * residualNorm * residualNorm + regulariser.applyAsDouble(x);
    }

    private double psnr(INDArray x) {
        return reference == null ? Double.NaN : ImageQuality.psnr(reference, x);
    }

    public double step() {
        return step;
    }

    /** One iteration's record. Objective and PSNR are NaN when no regulariser or reference was given. */
    public record Iterate(int iteration, double increment, double relativeChange, double residual, double objective,
                          double psnr) {
    }

    /** The result: the last iterate, the number of iterations, whether the tolerance was reached, the history. */
    public record Reconstruction(INDArray x, int iterations, boolean converged, History history) {
    }

    /** Per-iteration records, for plots. */
    public static final class History {
        private final List<Iterate> iterates = new ArrayList<>();

        Iterate record(int k, double increment, double relative, double residual, double objective, double psnr) {
            Iterate it = new Iterate(k, increment, relative, residual, objective, psnr);
            iterates.add(it);
            return it;
        }

        public List<Iterate> iterates() {
            return Collections.unmodifiableList(iterates);
        }

        public double[] increments() {
            return iterates.stream().mapToDouble(Iterate::increment).toArray();
        }

        public double[] relativeChanges() {
            return iterates.stream().mapToDouble(Iterate::relativeChange).toArray();
        }

        public double[] residuals() {
            return iterates.stream().mapToDouble(Iterate::residual).toArray();
        }

        public double[] objectives() {
            return iterates.stream().mapToDouble(Iterate::objective).toArray();
        }

        public double[] psnrs() {
            return iterates.stream().mapToDouble(Iterate::psnr).toArray();
        }
    }

    /** Builder. Defaults: α = 1/B², 500 iterations, tolerance 1e-5, Γ = identity (plain gradient descent). */
    public static final class Builder {
        private final ImageOperator operator;
        private final INDArray measurement;
        private Denoiser proximal = x -> x.dup();
        private double step;
        private boolean stepGiven;
        private int maxIterations = 500;
        private double tolerance = 1e-5;
        private INDArray reference;
        private ToDoubleFunction<INDArray> regulariser;
        private Consumer<Iterate> listener;

        private Builder(ImageOperator operator, INDArray measurement) {
            this.operator = Objects.requireNonNull(operator, "ProximalGradient: operator is null");
            Images.require(measurement, operator.imageShape(), "ProximalGradient(" + operator.describe() + ")",
                    "measurement y");
            this.measurement = measurement;
        }

        /** The map Γ: a proximal operator or a denoiser network ({@link Denoiser#of}). */
        public Builder proximal(Denoiser proximal) {
            this.proximal = Objects.requireNonNull(proximal, "ProximalGradient: proximal map is null");
            return this;
        }

        /** Step α ∈ (0, 2/B²). */
        public Builder step(double step) {
            this.step = step;
            this.stepGiven = true;
            return this;
        }

        public Builder maxIterations(int maxIterations) {
            if (maxIterations < 1) {
                throw new IllegalArgumentException("ProximalGradient: maxIterations must be >= 1; got "
                        + maxIterations);
            }
            this.maxIterations = maxIterations;
            return this;
        }

        /** Stop when ‖x_{k+1} − x_k‖ / ‖x_k‖ ≤ tolerance (≥ 0). */
        public Builder tolerance(double tolerance) {
            if (!(tolerance >= 0)) {
                throw new IllegalArgumentException("ProximalGradient: tolerance must be >= 0; got " + tolerance);
            }
            this.tolerance = tolerance;
            return this;
        }

        /** The true image, to record PSNR per iteration. */
        public Builder reference(INDArray reference) {
            Images.require(reference, operator.imageShape(), "ProximalGradient", "reference image");
            this.reference = reference;
            return this;
        }

        /** g(x), to record the objective ½‖Kx − y‖² + g(x) per iteration. */
        public Builder regulariser(ToDoubleFunction<INDArray> regulariser) {
            this.regulariser = regulariser;
            return this;
        }

        /** Called after every iteration (progress, logging). */
        public Builder listener(Consumer<Iterate> listener) {
            this.listener = listener;
            return this;
        }

        public ProximalGradient build() {
            double max = operator.maxStep();
            if (!stepGiven) {
                double b = operator.normBound();
                step = b > 0 ? 1.0 / (b * b) : 1.0;
            }
            if (!(step > 0 && step < max)) {
                throw new IllegalArgumentException("ProximalGradient(" + operator.describe() + "): step size α = "
                        + step + " is outside (0, 2/‖K‖²) = (0, " + max + "), with ‖K‖ ≤ " + operator.normBound()
                        + " certified; the iteration is only guaranteed to be non-expansive inside it");
            }
            return new ProximalGradient(this);
        }
    }
}
