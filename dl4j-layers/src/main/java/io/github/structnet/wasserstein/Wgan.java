package io.github.structnet.wasserstein;

import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * Wasserstein GAN training with a critic that is 1-Lipschitz by construction (StructNet layers ending in a loss layer
 * with a {@link KantorovichRubinstein} loss): no weight clipping, no gradient penalty. Each iteration takes
 * {@code criticSteps} critic steps on real (+1) and generated (−1) minibatches, then one generator step on
 * −mean f(G(z)), backpropagated through the critic into any DL4J {@code MultiLayerNetwork} generator (its last layer
 * an ordinary layer, not an output layer).
 * <p><b>Guarantee.</b> The critic's KR value on a minibatch, divided by its Lipschitz bound, is a lower bound of W₁
 * between the minibatch distributions (see {@link Wasserstein1}); with StructNet's critic the bound is 1 at
 * inference.
 */
public final class Wgan {

    /**
     * Schedule.
     *
     * @param iterations      generator steps
     * @param criticSteps     critic steps per generator step
     * @param batch           samples of each kind per minibatch
     * @param noiseDimension  size of the generator's input z ~ N(0, I)
     * @param reportEvery     iterations between {@link Progress} reports (and checkpoints)
     * @param checkpoints     directory for {@code generator.zip} and {@code critic.zip} at each report, or null
     */
    public record Settings(int iterations, int criticSteps, int batch, int noiseDimension, int reportEvery,
                           File checkpoints) {
        public Settings {
            if (iterations < 1 || criticSteps < 1 || batch < 1 || noiseDimension < 1 || reportEvery < 1) {
                throw new IllegalArgumentException("Wgan: iterations, criticSteps, batch, noiseDimension and"
                        + " reportEvery must be >= 1; got " + iterations + ", " + criticSteps + ", " + batch + ", "
                        + noiseDimension + ", " + reportEvery);
            }
        }
    }

    /** The critic's KR value (mean f(real) − mean f(generated)) on the last critic minibatch, at an iteration. */
    public record Progress(int iteration, double criticValue) {
    }

    private Wgan() {
    }

    /**
     * Trains {@code generator} against {@code critic}.
     *
     * @param real     draws n real samples [n, d]
     * @param listener receives each report (may be null)
     * @return the reports
     */
    public static List<Progress> train(MultiLayerNetwork generator, MultiLayerNetwork critic,
            IntFunction<INDArray> real,
                                       Settings s, Consumer<Progress> listener) {
        if (!(critic.getOutputLayer().conf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.LossLayer loss)
                || !(loss.getLossFn() instanceof KantorovichRubinstein)) {
            throw new IllegalArgumentException("Wgan: the critic must end in a LossLayer with a KantorovichRubinstein"
                    + " loss; it ends in " + critic.getOutputLayer().conf().getLayer().getClass().getSimpleName());
        }
        DataType type = critic.getLayerWiseConfigurations().getDataType();
        INDArray labels = Nd4j.vstack(Nd4j.ones(type, s.batch(), 1), Nd4j.ones(type, s.batch(), 1).negi());
        List<Progress> reports = new ArrayList<>();
        double value = Double.NaN;
        for (int it = 1; it <= s.iterations(); it++) {
            for (int k = 0; k < s.criticSteps(); k++) {
                INDArray fake = generator.output(noise(s, type), false);
                critic.fit(Nd4j.vstack(real.apply(s.batch()).castTo(type), fake.castTo(type)), labels);
                value = -critic.score();
            }
            generatorStep(generator, critic, noise(s, type), it);
            if (it % s.reportEvery() == 0 || it == s.iterations()) {
                Progress p = new Progress(it, value);
                reports.add(p);
                if (listener != null) {
                    listener.accept(p);
                }
                if (s.checkpoints() != null) {
                    save(generator, new File(s.checkpoints(), "generator.zip"));
                    save(critic, new File(s.checkpoints(), "critic.zip"));
                }
            }
        }
        return reports;
    }

    private static INDArray noise(Settings s, DataType type) {
        return Nd4j.randn(type, s.batch(), s.noiseDimension());
    }

    /**
     * One generator step on ℓ = −Σ f(G(z)) (the updater divides by the minibatch): ∂ℓ/∂x from the critic's layers
     * (all but its loss layer), then backpropagated through the generator and applied by its updater.
     */
    private static void generatorStep(MultiLayerNetwork generator, MultiLayerNetwork critic, INDArray z, int it) {
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        generator.setInput(z);
        List<INDArray> generated = generator.feedForward(true, false);
        INDArray x = generated.get(generated.size() - 1);
        int last = critic.getnLayers() - 2;
        INDArray activation = x.dup();
        for (int i = 0; i <= last; i++) {
            critic.getLayer(i).setInput(activation, mgr);
            activation = critic.getLayer(i).activate(true, mgr);
        }
        INDArray epsilon = Nd4j.ones(x.dataType(), x.size(0), 1).negi();
        for (int i = last; i >= 0; i--) {
            epsilon = critic.getLayer(i).backpropGradient(epsilon, mgr).getSecond();
        }
        Pair<Gradient, INDArray> g = generator.backpropGradient(epsilon.castTo(x.dataType()), mgr);
        generator.getUpdater().update(generator, g.getFirst(), it, 0, (int) x.size(0), mgr);
        generator.params().subi(g.getFirst().gradient());
        critic.clearLayersStates();
    }

    /** Writes a model to a temporary file and moves it into place, so a good file is never half-overwritten. */
    private static void save(MultiLayerNetwork net, File target) {
        try {
            Files.createDirectories(target.getAbsoluteFile().getParentFile().toPath());
            File temporary = File.createTempFile(target.getName(), ".tmp", target.getAbsoluteFile().getParentFile());
            ModelSerializer.writeModel(net, temporary, true);
            Files.move(temporary.toPath(), target.toPath(), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("Wgan: cannot write the checkpoint " + target, e);
        }
    }
}
