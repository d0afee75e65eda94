package io.github.structnet.wasserstein;

import io.github.structnet.certify.NetworkLipschitz;
import io.github.structnet.persistence.ModelFileException;
import io.github.structnet.persistence.ModelFiles;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.io.File;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.function.UnaryOperator;

/**
 * Wasserstein GAN training with a critic that is 1-Lipschitz by construction (StructNet layers ending in a loss layer
 * with a {@link KantorovichRubinstein} loss): no weight clipping, no gradient penalty. Each iteration takes
 * {@code criticSteps} critic steps on real (+1) and generated (−1) minibatches, then one generator step on
 * −mean f(G(z)), backpropagated through the critic into any DL4J generator: a {@code MultiLayerNetwork} whose last
 * layer is an ordinary layer (not an output layer), or a {@code ComputationGraph} with one input and one output
 * vertex of that kind.
 * <p><b>Guarantee.</b> Each report carries the critic's Lipschitz bound computed from its weights at that moment and
 * the certified lower bound (KR value / max(1, bound)) of W₁ between the two minibatch distributions (see
 * {@link Wasserstein1}). With {@link Settings#weightClip()} &gt; 0 the loop is instead the classic WGAN of Arjovsky
 * et al. (any critic, weights clipped to [−c, c] after each critic step), kept for comparison; its reports carry the
 * same certified quantities, computed for the clipped weights.
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
     * @param weightClip      0 for a certified critic (the default); c &gt; 0 for the classic weight-clipped WGAN
     */
    public record Settings(int iterations, int criticSteps, int batch, int noiseDimension, int reportEvery,
                           File checkpoints, double weightClip) {
        public Settings {
            if (iterations < 1 || criticSteps < 1 || batch < 1 || noiseDimension < 1 || reportEvery < 1) {
                throw new IllegalArgumentException("Wgan: iterations, criticSteps, batch, noiseDimension and"
                        + " reportEvery must be >= 1; got " + iterations + ", " + criticSteps + ", " + batch + ", "
                        + noiseDimension + ", " + reportEvery);
            }
            if (!(weightClip >= 0) || Double.isInfinite(weightClip)) {
                throw new IllegalArgumentException("Wgan: weightClip must be 0 (certified critic) or a positive"
                        + " finite clipping value; got " + weightClip);
            }
        }

        /** A schedule for a certified critic (no weight clipping). */
        public Settings(int iterations, int criticSteps, int batch, int noiseDimension, int reportEvery,
                        File checkpoints) {
            this(iterations, criticSteps, batch, noiseDimension, reportEvery, checkpoints, 0);
        }

        /** The same schedule for the classic WGAN with weights clipped to [−c, c]. */
        public Settings withWeightClip(double c) {
            return new Settings(iterations, criticSteps, batch, noiseDimension, reportEvery, checkpoints, c);
        }
    }

    /**
     * A report: the critic's KR value (mean f(real) − mean f(generated)) on the last critic minibatch, its Lipschitz
     * bound from its current weights, and the certified lower bound value / max(1, bound) of W₁.
     */
    public record Progress(int iteration, double criticValue, double lipschitzBound, double lowerBound) {
    }

    /** A generator as the loop uses it: sample, take one step on ∂ℓ/∂G(z), save. */
    private interface Generator {
        INDArray generate(INDArray z);

        /** One step on ℓ(G(z)) given x ↦ ∂ℓ/∂x. */
        void step(INDArray z, UnaryOperator<INDArray> lossGradient, int iteration);

        Model model();
    }

    private Wgan() {
    }

    /**
     * Trains a {@code MultiLayerNetwork} generator against {@code critic}.
     *
     * @param real     draws n real samples [n, d]
     * @param listener receives each report (may be null)
     * @return the reports
     * @throws IllegalArgumentException for a critic without the KR loss, or (without weight clipping) one that is
     *                                  not certified 1-Lipschitz, naming the layer
     */
    public static List<Progress> train(MultiLayerNetwork generator, MultiLayerNetwork critic,
                                       IntFunction<INDArray> real, Settings s, Consumer<Progress> listener) {
        return train(new Generator() {
            @Override
            public INDArray generate(INDArray z) {
                return generator.output(z, false);
            }

            @Override
            public void step(INDArray z, UnaryOperator<INDArray> lossGradient, int iteration) {
                LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
                generator.setInput(z);
                List<INDArray> activations = generator.feedForward(true, false);
                INDArray x = activations.get(activations.size() - 1);
                Pair<Gradient, INDArray> g = generator.backpropGradient(lossGradient.apply(x), mgr);
                generator.getUpdater().update(generator, g.getFirst(), iteration, 0, (int) x.size(0), mgr);
                generator.params().subi(g.getFirst().gradient());
            }

            @Override
            public Model model() {
                return generator;
            }
        }, critic, real, s, listener);
    }

    /** Trains a {@code ComputationGraph} generator (one input, one output) against {@code critic}. */
    public static List<Progress> train(ComputationGraph generator, MultiLayerNetwork critic,
                                       IntFunction<INDArray> real, Settings s, Consumer<Progress> listener) {
        if (generator.getNumInputArrays() != 1 || generator.getNumOutputArrays() != 1) {
            throw new IllegalArgumentException("Wgan: a ComputationGraph generator needs one input and one output;"
                    + " got " + generator.getNumInputArrays() + " and " + generator.getNumOutputArrays());
        }
        String output = generator.getConfiguration().getNetworkOutputs().get(0);
        return train(new Generator() {
            @Override
            public INDArray generate(INDArray z) {
                return generator.outputSingle(false, z);
            }

            @Override
            public void step(INDArray z, UnaryOperator<INDArray> lossGradient, int iteration) {
                INDArray x = generator.feedForward(new INDArray[]{z}, true, false).get(output);
                Gradient g = generator.backpropGradient(lossGradient.apply(x));
                generator.getUpdater().update(g, iteration, 0, (int) x.size(0), LayerWorkspaceMgr.noWorkspaces());
                generator.params().subi(g.gradient());
                generator.clearLayersStates();
            }

            @Override
            public Model model() {
                return generator;
            }
        }, critic, real, s, listener);
    }

    private static List<Progress> train(Generator generator, MultiLayerNetwork critic, IntFunction<INDArray> real,
                                        Settings s, Consumer<Progress> listener) {
        int last = Critics.requireCritic(critic, s.weightClip() == 0, "Wgan");
        DataType type = critic.getLayerWiseConfigurations().getDataType();
        INDArray labels = Nd4j.vstack(Nd4j.ones(type, s.batch(), 1), Nd4j.ones(type, s.batch(), 1).negi());
        List<Progress> reports = new ArrayList<>();
        double value = Double.NaN;
        for (int it = 1; it <= s.iterations(); it++) {
            for (int k = 0; k < s.criticSteps(); k++) {
                INDArray fake = generator.generate(noise(s, type));
                critic.fit(Nd4j.vstack(real.apply(s.batch()).castTo(type), fake.castTo(type)), labels);
                if (s.weightClip() > 0) {
                    critic.setParams(Transforms.min(Transforms.max(critic.params(), -s.weightClip()),
                            s.weightClip()));
                }
                value = -critic.score();
            }
            generator.step(noise(s, type), x -> criticGradient(critic, last, x), it);
            if (it % s.reportEvery() == 0 || it == s.iterations()) {
                double bound = NetworkLipschitz.upperBound(critic, last);
                Progress p = new Progress(it, value, bound, value / Math.max(1.0, bound));
                reports.add(p);
                if (listener != null) {
                    listener.accept(p);
                }
                if (s.checkpoints() != null) {
                    save(generator.model(), new File(s.checkpoints(), "generator.zip"));
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
     * ∂ℓ/∂x for ℓ = −Σ f(x) (the updater divides by the minibatch), through the critic's layers (all but its loss
     * layer), in the generator's data type.
     */
    private static INDArray criticGradient(MultiLayerNetwork critic, int last, INDArray x) {
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        DataType type = critic.getLayerWiseConfigurations().getDataType();
        INDArray activation = x.castTo(type).dup();
        for (int i = 0; i <= last; i++) {
            critic.getLayer(i).setInput(activation, mgr);
            activation = critic.getLayer(i).activate(true, mgr);
        }
        INDArray epsilon = Nd4j.ones(type, x.size(0), 1).negi();
        for (int i = last; i >= 0; i--) {
            epsilon = critic.getLayer(i).backpropGradient(epsilon, mgr).getSecond();
        }
        critic.clearLayersStates();
        return epsilon.castTo(x.dataType());
    }

    /**
     * Writes a checkpoint by temporary file and move ({@link ModelFiles#save}), so a good file is never
     * half-overwritten.
     */
    private static void save(Model net, File target) {
        try {
            ModelFiles.save(net, target, true);
        } catch (ModelFileException e) {
            throw new UncheckedIOException("Wgan: cannot write the checkpoint", e);
        }
    }
}
