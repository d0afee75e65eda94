package io.github.structnet.examples.bench;

import io.github.structnet.ode.ButcherTableau;
import io.github.structnet.ode.DenseVectorField;
import io.github.structnet.ode.OdeSolver;
import io.github.structnet.ode.Solution;
import io.github.structnet.ode.StepControl;
import io.github.structnet.ode.AdjointMethod;
import org.nd4j.linalg.activations.Activation;

import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.Random;

/**
 * Memory of the neural-ODE gradients against the number of solver steps: one forward solve and one gradient of a
 * dense vector field (d = 32, hidden 64, tanh, minibatch 64) by RK4 over N steps, with backpropagation through a full
 * tape, backpropagation with a checkpoint every 100 steps, and the adjoint method. For each, the Java heap the forward
 * solve keeps for the backward pass (heap in use after a full collection at the end of the forward solve, minus the
 * heap in use before it; the solver's arrays live on the Java heap), and the time of forward and backward. With
 * checkpoints the backward pass holds one segment's stages at a time in addition. Prints a Markdown table.
 * <p>Usage: {@code OdeMemoryBenchmark [--quick]} (quick: 100 and 1000 steps; full: also 4000).
 */
public final class OdeMemoryBenchmark {

    private static final int BATCH = 64;
    private static final int DIMENSION = 32;

    private OdeMemoryBenchmark() {
    }

    public static void main(String[] args) {
        boolean quick = args.length == 1 && args[0].equals("--quick");
        if (args.length > 0 && !quick) {
            throw new IllegalArgumentException("usage: OdeMemoryBenchmark [--quick]");
        }
        DenseVectorField.Architecture architecture = new DenseVectorField.Architecture(DIMENSION, new int[]{64},
                Activation.TANH, Activation.IDENTITY, false);
        Random random = new Random(1);
        double[] theta = new double[architecture.parameterCount()];
        for (int i = 0; i < theta.length; i++) {
            theta[i] = 0.1 * random.nextGaussian();
        }
        double[] x0 = new double[BATCH * DIMENSION];
        for (int i = 0; i < x0.length; i++) {
            x0[i] = random.nextGaussian();
        }
        System.out.println("| steps | gradient | stored states | kept for backward (MB) | time (s) |");
        System.out.println("|---|---|---|---|---|");
        for (int steps : quick ? new int[]{100, 1000} : new int[]{100, 1000, 4000}) {
            for (String mode : new String[]{"backprop, full tape", "backprop, checkpoint every 100", "adjoint"}) {
                measure(architecture, theta, x0, steps, mode);
            }
        }
    }

    private static void measure(DenseVectorField.Architecture architecture, double[] theta, double[] x0, int steps,
                                String mode) {
        double end = 1.0;
        StepControl control = StepControl.defaults().withFixedStep(end / steps).withLimits(10 * steps, 0);
        OdeSolver solver = new OdeSolver(ButcherTableau.RK4, control, "OdeMemoryBenchmark");
        DenseVectorField field = new DenseVectorField(architecture, theta, BATCH, "OdeMemoryBenchmark");
        int tape = mode.startsWith("adjoint") ? OdeSolver.NO_TAPE : mode.contains("checkpoint") ? 100
                : OdeSolver.FULL_TAPE;
        long baseline = heapAfterCollection();
        long start = System.nanoTime();
        double[] times = {0, end};
        Solution solution = solver.solve(field, x0, times, tape);
        long forwardNanos = System.nanoTime() - start;
        long kept = heapAfterCollection() - baseline;
        start = System.nanoTime();
        double[][] outputGradients = {null, solution.output(1).clone()};
        double[] parameterGradient = new double[theta.length];
        if (tape == OdeSolver.NO_TAPE) {
            new AdjointMethod(solver).gradients(field, times, solution.outputs(), outputGradients, parameterGradient);
        } else {
            solver.backpropagate(field, solution, outputGradients, parameterGradient);
        }
        double seconds = (forwardNanos + System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "| %d | %s | %d | %.2f | %.2f |%n", steps, mode, solution.storedStates(),
                Math.max(0, kept) / 1e6, seconds);
    }

    private static long heapAfterCollection() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
