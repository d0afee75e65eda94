package io.github.structnet.reliability;

import io.github.structnet.certify.NetworkLipschitz;
import io.github.structnet.certify.Symplecticity;
import io.github.structnet.lipschitz.GradientFlowConv2D;
import io.github.structnet.lipschitz.GradientFlowDense;
import io.github.structnet.lipschitz.SpectralConv2D;
import io.github.structnet.lipschitz.SpectralDense;
import io.github.structnet.ode.NeuralOdeLayer;
import io.github.structnet.ode.NormPreservingFlow;
import io.github.structnet.persistence.ModelFiles;
import io.github.structnet.symplectic.GeneralHamiltonianLayer;
import io.github.structnet.symplectic.SeparableHamiltonianLayer;
import io.github.structnet.symplectic.Shear;
import io.github.structnet.symplectic.SymplecticConv2D;
import io.github.structnet.symplectic.SympNets;
import io.github.structnet.testutil.LipschitzProbe;
import io.github.structnet.testutil.Nets;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.io.File;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Long runs at ten times DL4J's default Adam learning rate (1e-2 instead of 1e-3), for each block type, in double
 * precision: every step's loss and the final parameters are finite, the block's guarantee holds for the weights it
 * ends with (1-Lipschitz blocks: the certificate computed from the weights is at most 1 and no random or adversarially
 * searched pair exceeds it; symplectic blocks: ‖Jᵀ𝕁J − 𝕁‖_max ≤ {@value #SYMPLECTIC_TOLERANCE} at random points;
 * the norm-preserving flow: ‖y‖ = ‖x‖ to 1e-10), and a network restored from a checkpoint taken
 * {@link #resumeSteps} steps before the end continues bitwise as the original (parameters, power-iteration state and
 * updater state).
 *
 * <p>The suite runs {@value #DEFAULT_STEPS} steps per block; {@code -Dstructnet.longrun.steps=10000} is the full run
 * (README, "Reliability"), {@code -Dstructnet.longrun.only=NAME} restricts it to some blocks.
 */
class LongRunTest {

    private static final int DEFAULT_STEPS = 120;
    private static final int STEPS = Integer.getInteger("structnet.longrun.steps", DEFAULT_STEPS);
    /** {@code -Dstructnet.longrun.only=NAME}: only the blocks whose name contains NAME. */
    private static final String ONLY = System.getProperty("structnet.longrun.only", "");
    private static final double LEARNING_RATE = 1e-2;
    private static final double SYMPLECTIC_TOLERANCE = 1e-9;
    private static final int BATCH = 16;

    @TempDir
    File dir;

    /** What must hold for the trained block, given the network without its loss layer. */
    private interface Guarantee {
        String check(MultiLayerNetwork body, Block block);
    }

    private record Block(String name, InputType input, int dim, Guarantee guarantee, List<Layer> layers) {
        /** Flat rows [n, dim] in the shape the block takes: NCHW for a convolutional input type. */
        INDArray shaped(INDArray flat) {
            if (input.getType() != InputType.Type.CNN) {
                return flat;
            }
            InputType.InputTypeConvolutional c = (InputType.InputTypeConvolutional) input;
            return flat.reshape('c', flat.size(0), c.getChannels(), c.getHeight(), c.getWidth());
        }
    }

    private static List<Block> blocks() {
        List<Block> blocks = new ArrayList<>();
        blocks.add(new Block("GradientFlowDense + SpectralDense", InputType.feedForward(6), 6,
                LongRunTest::lipschitz, List.of(new SpectralDense.Builder().nOut(8).build(),
                        new GradientFlowDense.Builder().nHidden(16).build(),
                        new GradientFlowDense.Builder().nHidden(16).build(),
                        new SpectralDense.Builder().nOut(6).build())));
        blocks.add(new Block("GradientFlowConv2D + SpectralConv2D", InputType.convolutionalFlat(5, 5, 2), 50,
                LongRunTest::lipschitz, List.of(new SpectralConv2D.Builder().outChannels(4).build(),
                        new GradientFlowConv2D.Builder().hiddenChannels(4).build(),
                        new SpectralConv2D.Builder().outChannels(2).build(),
                        new SpectralDense.Builder().nOut(6).build()))); // 2-D output for the pair search
        blocks.add(new Block("SymplecticConv2D", InputType.convolutional(4, 4, 4), 64, LongRunTest::symplectic,
                List.of(new SymplecticConv2D.Builder().hiddenChannels(4).build(),
                        new SymplecticConv2D.Builder().side(Shear.LOW).hiddenChannels(4).build())));
        blocks.add(new Block("G-SympNet", InputType.feedForward(4), 4, LongRunTest::symplectic,
                SympNets.gSympNet(4, 16, Activation.TANH)));
        blocks.add(new Block("LA-SympNet", InputType.feedForward(4), 4, LongRunTest::symplectic,
                SympNets.laSympNet(3, 2, Activation.TANH)));
        blocks.add(new Block("SeparableHamiltonianLayer", InputType.feedForward(4), 4, LongRunTest::symplectic,
                List.of(new SeparableHamiltonianLayer.Builder().width(8).steps(2).step(0.2).build())));
        for (double h : new double[]{0.1, 0.05}) {
            blocks.add(new Block("GeneralHamiltonianLayer h=" + h, InputType.feedForward(4), 4,
                    LongRunTest::symplectic, List.of(new GeneralHamiltonianLayer.Builder().width(6).steps(1).step(h)
                            .build())));
        }
        blocks.add(new Block("NormPreservingFlow", InputType.feedForward(4), 4, LongRunTest::normPreserving,
                List.of(new NormPreservingFlow.Builder().steps(3).step(0.7).build())));
        blocks.add(new Block("NeuralOdeLayer", InputType.feedForward(4), 4, LongRunTest::finiteOutputs,
                List.of(new NeuralOdeLayer.Builder().hidden(8).build())));
        return blocks;
    }

    private static MultiLayerNetwork network(Block block, boolean withLoss) {
        return Nets.adamStack(block.input(), DataType.DOUBLE, 21, LEARNING_RATE, withLoss, block.layers());
    }

    /** Step k's minibatch: inputs drawn from seed k, targets 3·tanh(x A) for a fixed A (pulls weights outwards). */
    private static INDArray[] batch(Block block, INDArray teacher, int step) {
        Nd4j.getRandom().setSeed(1000 + step);
        INDArray x = Nd4j.randn(DataType.DOUBLE, BATCH, block.dim());
        INDArray y = Transforms.tanh(x.mmul(teacher)).muli(3);
        return new INDArray[]{block.shaped(x), y};
    }

    static int resumeSteps() {
        return Math.max(1, Math.min(STEPS / 4, 250));
    }

    @Test
    void everyBlockSurvivesLongHighRateTrainingAndResumesBitwise() throws Exception {
        List<String> failures = new ArrayList<>();
        for (Block block : blocks()) {
            if (!block.name().contains(ONLY)) {
                continue;
            }
            Nd4j.getRandom().setSeed(7);
            int outputs = (int) network(block, true).output(batch(block, Nd4j.eye(block.dim()), 0)[0]).length()
                    / BATCH;
            INDArray teacher = Nd4j.randn(DataType.DOUBLE, block.dim(), outputs).muli(3 / Math.sqrt(block.dim()));
            MultiLayerNetwork net = network(block, true);
            int resumeAt = STEPS - resumeSteps();
            File checkpoint = new File(dir, "checkpoint.zip");
            MultiLayerNetwork restored = null;
            long start = System.nanoTime();
            String stopped = null;
            for (int step = 0; step < STEPS && stopped == null; step++) {
                if (step == resumeAt) {
                    ModelFiles.save(net, checkpoint, true);
                    restored = ModelFiles.restoreMultiLayerNetwork(checkpoint, true);
                }
                INDArray[] xy = batch(block, teacher, step);
                try {
                    net.fit(xy[0], xy[1]);
                    if (restored != null) {
                        restored.fit(xy[0], xy[1]);
                    }
                } catch (RuntimeException e) {
                    stopped = "stopped at step " + step + ": " + e.getMessage();
                }
                if (stopped == null && !Double.isFinite(net.score())) {
                    stopped = "loss " + net.score() + " at step " + step;
                }
            }
            if (stopped != null) {
                System.out.printf("LongRun | %s | %s%n", block.name(), stopped);
                failures.add(block.name() + ": " + stopped);
                continue;
            }
            double[] finalState = Nets.trainingState(net);
            boolean finite = Arrays.stream(finalState).allMatch(Double::isFinite);
            String guarantee = finite ? block.guarantee().check(body(block, net), block)
                    : "FAILS: NaN parameters";
            boolean resumed = restored != null && Arrays.equals(finalState, Nets.trainingState(restored));
            System.out.printf("LongRun | %s | %d steps | lr %.0e | final loss %.4g | %s | resume over last %d steps:"
                    + " %s | %.0f s%n", block.name(), STEPS, LEARNING_RATE, net.score(), guarantee, resumeSteps(),
                    resumed ? "bitwise" : "DIFFERS",
                    (System.nanoTime() - start) / 1e9);
            if (!guarantee.startsWith("holds")) {
                failures.add(block.name() + ": " + guarantee);
            }
            if (!resumed) {
                failures.add(block.name() + ": the restored network's continuation differs");
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    /** The trained network without its loss layer (the loss layer has no parameters: the vectors are equal). */
    private static MultiLayerNetwork body(Block block, MultiLayerNetwork trained) {
        MultiLayerNetwork body = network(block, false);
        assertArrayEquals(body.params().shape(), trained.params().shape());
        body.setParams(trained.params().dup());
        return body;
    }

    private static String lipschitz(MultiLayerNetwork body, Block block) {
        int dim = block.dim();
        double bound = NetworkLipschitz.upperBound(body, body.getnLayers() - 1);
        UnaryOperator<INDArray> f = x -> body.output(x, false);
        double random = LipschitzProbe.maxRandomPairRatio(f, dim, 500, 3);
        double adversarial = LipschitzProbe.maxAdversarialPairRatio(body, dim, 4, 40, 5);
        String figures = String.format("certificate %.6f, random pairs %.6f, searched pairs %.6f", bound, random,
                adversarial);
        return bound <= 1.0 && random <= bound && adversarial <= bound ? "holds: " + figures : "FAILS: " + figures;
    }

    private static String symplectic(MultiLayerNetwork body, Block block) {
        int dim = block.dim();
        Nd4j.getRandom().setSeed(9);
        double worst = 0;
        for (int i = 0; i < 3; i++) {
            INDArray x = block.shaped(Nd4j.randn(DataType.DOUBLE, 1, dim));
            worst = Math.max(worst, Symplecticity.defect(body, x));
        }
        String figures = String.format("symplecticity defect %.2e", worst);
        return worst <= SYMPLECTIC_TOLERANCE ? "holds: " + figures : "FAILS: " + figures;
    }

    /** For blocks without a structural guarantee: the trained network still maps inputs to finite outputs. */
    private static String finiteOutputs(MultiLayerNetwork body, Block block) {
        int dim = block.dim();
        Nd4j.getRandom().setSeed(13);
        double sum = body.output(Nd4j.randn(DataType.DOUBLE, 32, dim).muli(3), false).sumNumber().doubleValue();
        return Double.isFinite(sum) ? "holds: finite outputs (no structural guarantee)" : "FAILS: non-finite outputs";
    }

    private static String normPreserving(MultiLayerNetwork body, Block block) {
        int dim = block.dim();
        Nd4j.getRandom().setSeed(11);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 32, dim);
        double worst = body.output(x, false).norm2(1).sub(x.norm2(1)).amaxNumber().doubleValue();
        String figures = String.format("| ‖y‖ − ‖x‖ | ≤ %.2e", worst);
        return worst <= 1e-10 ? "holds: " + figures : "FAILS: " + figures;
    }
}
