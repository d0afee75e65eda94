package io.github.structnet.examples.certified;

import io.github.structnet.backend.Backends;
import io.github.structnet.examples.bench.PeakMemory;
import io.github.structnet.examples.common.CertifiedAccuracyChart;
import io.github.structnet.examples.common.CertifiedReport;
import io.github.structnet.examples.common.CosineDecay;
import io.github.structnet.examples.data.MnistData;
import io.github.structnet.lipschitz.AolDense;
import io.github.structnet.lipschitz.BjorckDense;
import io.github.structnet.lipschitz.GradientFlowDense;
import io.github.structnet.lipschitz.MaxMin;
import io.github.structnet.lipschitz.NormalizedRowsDense;
import io.github.structnet.lipschitz.SllDense;
import io.github.structnet.lipschitz.SpectralDense;
import io.github.structnet.lipschitz.TemperatureCrossEntropy;
import io.github.structnet.updater.InPlaceUpdate;
import io.github.structnet.updater.LearningRates;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The 1-Lipschitz layer families side by side on MNIST (or Fashion-MNIST), each trained for the same wall-clock
 * budget on this machine, as Prach et al. (2024) compare them: clean, certified and L2-PGD accuracy at each ε,
 * parameters, training-step time and peak resident memory. Every network is a dense one of the same shape,
 * 784 → lift (width w) → MaxMin → {@code depth} blocks → 10 logits by a {@link NormalizedRowsDense} (unit-norm rows),
 * trained with a temperature cross-entropy and certified with the pairwise margins
 * ({@code MarginCertificate.pairwiseRadii}: the factor ‖wᵢ − wⱼ‖ of each pair of classes instead of √2·L):
 * <ul>
 *   <li>{@code spectral}: SpectralDense lift, blocks SpectralDense + MaxMin (power iteration);</li>
 *   <li>{@code aol}: the same with {@link AolDense} (no power iteration);</li>
 *   <li>{@code gradient-flow}: SpectralDense lift, {@link GradientFlowDense} blocks (CPL);</li>
 *   <li>{@code sll}: AolDense lift, {@link SllDense} blocks;</li>
 *   <li>{@code orthogonal}: {@link BjorckDense} lift and blocks + MaxMin (weights orthogonalised by 12 Björck
 *   steps).</li>
 * </ul>
 * Each certificate is checked by the attack ({@link RobustnessCheck}): no certified example flipped, PGD accuracy at
 * least the certified accuracy. With several families each runs in a JVM of its own, so that peak memory is its own.
 * Writes {@code layer-families-<data>.png} (certified accuracy against ε).
 * <p>Usage: {@code LayerFamilies [--quick] [--budget MINUTES] [--offset U] [--final-lr R] [--families a,b,...]
 * [--fashion] [--data DIR] [--out DIR]}; {@code --offset} sets the loss's offset u
 * ({@link TemperatureCrossEntropy}, 0 by default). Adam's learning rate falls from 3e-3 to {@code --final-lr}
 * (3e-5 by default; 3e-3 keeps it constant) along a cosine over the steps the budget allows, re-estimated from the
 * measured step time after every epoch.
 * Default: 60 minutes per family on the 60,000 training images; {@code --quick}: 600 images and 10 seconds per family
 * (for CI).
 */
public final class LayerFamilies {

    /** The families compared. */
    public enum Family {
        SPECTRAL("spectral"), AOL("aol"), GRADIENT_FLOW("gradient-flow"), SLL("sll"), ORTHOGONAL("orthogonal");

        private final String label;

        Family(String label) {
            this.label = label;
        }

        /** The family named on the command line. */
        public static Family of(String label) {
            for (Family f : values()) {
                if (f.label.equals(label)) {
                    return f;
                }
            }
            throw new IllegalArgumentException("LayerFamilies: unknown family '" + label + "'; allowed are spectral,"
                    + " aol, gradient-flow, sll, orthogonal");
        }

        @Override
        public String toString() {
            return label;
        }
    }

    /** Sizes and budget of one run. */
    public record Settings(String name, int train, int test, int attacked, int pgdSteps, int width, int depth,
                           int batch, double temperature, double offset, double learningRate,
                           double finalLearningRate, double budgetSeconds, long seed) {
        public static Settings quick() {
            return new Settings("quick", 600, 300, 100, 10, 64, 2, 32, 2.0, 0.0, 3e-3, 3e-5, 10, 42);
        }

        public static Settings standard() {
            return new Settings("standard", 60_000, 10_000, 1000, 20, 512, 4, 128, 2.0, 0.0, 3e-3, 3e-5, 3600, 42);
        }

        /** The same settings with another loss offset u (certification-aware cross-entropy). */
        public Settings withOffset(double u) {
            return new Settings(name, train, test, attacked, pgdSteps, width, depth, batch, temperature, u,
                    learningRate, finalLearningRate, budgetSeconds, seed);
        }

        /** The same settings with another learning rate at the end of the budget (the initial one: constant). */
        public Settings withFinalLearningRate(double rate) {
            if (!(rate >= 0 && rate <= learningRate)) {
                throw new IllegalArgumentException("LayerFamilies: --final-lr must lie in [0, " + learningRate
                        + "]; got " + rate);
            }
            return new Settings(name, train, test, attacked, pgdSteps, width, depth, batch, temperature, offset,
                    learningRate, rate, budgetSeconds, seed);
        }

        /** The same settings with another budget per family. */
        public Settings withBudget(double minutes) {
            if (!(minutes > 0)) {
                throw new IllegalArgumentException("LayerFamilies: --budget must be > 0 minutes; got " + minutes);
            }
            return new Settings(name, train, test, attacked, pgdSteps, width, depth, batch, temperature, offset,
                    learningRate, finalLearningRate, minutes * 60, seed);
        }
    }

    /**
     * One family's run: its certificate report and whether the attack found nothing the certificate rules out
     * ({@link RobustnessCheck#sound()}).
     */
    public record Result(Family family, long parameters, int steps, double epochs, double msPerStep, double peakMb,
                         CertifiedReport report, boolean sound) {

        /** One line that {@link #decode} reads back (a child JVM's answer). */
        String encode() {
            return String.join(";", family.name(), Long.toString(parameters), Integer.toString(steps),
                    Double.toString(epochs), Double.toString(msPerStep), Double.toString(peakMb), report.name(),
                    Double.toString(report.lipschitzBound()), join(report.radii()), join(report.epsilons()),
                    join(report.certifiedAccuracy()), join(report.attackedAccuracy()), Boolean.toString(sound));
        }

        static Result decode(String line) {
            String[] f = line.split(";", -1);
            return new Result(Family.valueOf(f[0]), Long.parseLong(f[1]), Integer.parseInt(f[2]),
                    Double.parseDouble(f[3]), Double.parseDouble(f[4]), Double.parseDouble(f[5]),
                    new CertifiedReport(f[6], Double.parseDouble(f[7]), split(f[8]), split(f[9]), split(f[10]),
                            split(f[11])), Boolean.parseBoolean(f[12]));
        }

        private static String join(double[] values) {
            StringBuilder sb = new StringBuilder();
            for (double v : values) {
                sb.append(sb.length() == 0 ? "" : ",").append(v);
            }
            return sb.toString();
        }

        private static double[] split(String values) {
            return java.util.Arrays.stream(values.split(",")).mapToDouble(Double::parseDouble).toArray();
        }
    }

    private LayerFamilies() {
    }

    /** The family's network for flat 28×28 inputs, initialised, with the in-place updater. */
    public static MultiLayerNetwork network(Family family, Settings s) {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().seed(s.seed())
                .updater(new Adam(s.learningRate())).list();
        list.layer(linear(family, s.width(), "lift")).layer(maxMin());
        for (int k = 0; k < s.depth(); k++) {
            switch (family) {
                case SPECTRAL, AOL, ORTHOGONAL -> list.layer(linear(family, s.width(), "block" + k)).layer(maxMin());
                case GRADIENT_FLOW -> list.layer(new GradientFlowDense.Builder().name("block" + k)
                        .nHidden(s.width()).build());
                case SLL -> list.layer(new SllDense.Builder().name("block" + k).nHidden(s.width()).build());
                default -> throw new IllegalStateException("unknown family " + family);
            }
        }
        list.layer(new NormalizedRowsDense.Builder().name("logits").nOut(10).build())
                .layer(new LossLayer.Builder(new TemperatureCrossEntropy(s.temperature(), s.offset()))
                        .activation(Activation.SOFTMAX).build());
        MultiLayerNetwork net = new MultiLayerNetwork(list.setInputType(CertifiedMnistModels.INPUT).build());
        net.init();
        return InPlaceUpdate.install(net);
    }

    /** The family's affine layer: the lift, and the blocks of the families made of affine layers and MaxMin. */
    private static Layer linear(Family family, int nOut, String name) {
        return switch (family) {
            case SPECTRAL, GRADIENT_FLOW -> new SpectralDense.Builder().name(name).nOut(nOut).build();
            case AOL, SLL -> new AolDense.Builder().name(name).nOut(nOut).build();
            case ORTHOGONAL -> new BjorckDense.Builder().name(name).nOut(nOut).build();
        };
    }

    private static Layer maxMin() {
        return new ActivationLayer.Builder().activation(new MaxMin()).build();
    }

    /** The radii certified and attacked: 0.5, 1.0, 1.58 on MNIST; 0.1, 0.5, 1.0 on Fashion-MNIST (the field's). */
    public static double[] epsilons(MnistData.Kind kind) {
        return kind == MnistData.Kind.FASHION_MNIST ? new double[]{0.1, 0.5, 1.0} : CertifiedMnist.EPSILONS.clone();
    }

    /** Trains one family for the budget and evaluates it, certifying and attacking at the radii {@code epsilons}. */
    public static Result run(Family family, Settings s, DataSet train, DataSet test, double[] epsilons)
            throws IOException {
        MultiLayerNetwork net = network(family, s);
        PeakMemory.reset();
        int steps = 0;
        int batchesPerEpoch = (train.numExamples() + s.batch() - 1) / s.batch();
        long start = System.nanoTime();
        double elapsed = 0;
        try (ProgressBar bar = new ProgressBarBuilder().setTaskName(family + " (" + Math.round(s.budgetSeconds())
                + " s)").setInitialMax(Math.round(s.budgetSeconds())).setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(1000).build()) {
            for (int epoch = 0; elapsed < s.budgetSeconds(); epoch++) {
                DataSet copy = train.copy();
                copy.shuffle(s.seed() + epoch);
                for (DataSet b : copy.batchBy(s.batch())) {
                    net.fit(b);
                    steps++;
                    elapsed = (System.nanoTime() - start) / 1e9;
                    bar.stepTo(Math.min(Math.round(elapsed), Math.round(s.budgetSeconds())));
                    bar.setExtraMessage(String.format(Locale.ROOT, " epoch %d, step %d, loss %.4f", epoch + 1, steps,
                            net.score()));
                    if (elapsed >= s.budgetSeconds()) {
                        break;
                    }
                }
                decayOverBudget(net, s, steps, elapsed);
            }
        }
        double peakMb = PeakMemory.peakKb() / 1024.0;
        RobustnessCheck check = RobustnessCheck.runPairwise(family.toString(), net,
                CertifiedMnistModels.logitsLayer(net), s.width(), test, epsilons, s.attacked(),
                s.pgdSteps());
        return new Result(family, net.numParams(), steps, (double) steps / batchesPerEpoch, 1000 * elapsed / steps,
                peakMb, check.report(), check.sound());
    }

    /**
     * Sets the cosine decay from the initial to the final learning rate over the number of steps the budget allows
     * at the step time measured so far (re-estimated after every epoch), keeping Adam's state.
     */
    static void decayOverBudget(MultiLayerNetwork net, Settings s, int steps, double elapsed) {
        if (s.finalLearningRate() == s.learningRate() || elapsed >= s.budgetSeconds()) {
            return;
        }
        long expected = Math.max(steps + 1, Math.round(steps * s.budgetSeconds() / elapsed));
        LearningRates.set(net, new CosineDecay(s.learningRate(), s.finalLearningRate(), expected));
    }

    /** The Markdown table of the runs (all certified at the same radii). */
    public static String table(List<Result> results) {
        double[] epsilons = results.get(0).report().epsilons();
        StringBuilder sb = new StringBuilder(
                "| family | parameters | steps (epochs) | ms / step | peak RSS (MB) | clean |");
        for (double e : epsilons) {
            sb.append(" certified ε=").append(e).append(" |");
        }
        for (double e : epsilons) {
            sb.append(" PGD ε=").append(e).append(" |");
        }
        sb.append(" bound | attack check |\n|").append("---|".repeat(8 + 2 * epsilons.length))
                .append('\n');
        for (Result r : results) {
            CertifiedReport report = r.report();
            sb.append(String.format(Locale.ROOT, "| %s | %,d | %d (%.1f) | %.1f | %.0f | %.1f %% |", r.family(),
                    r.parameters(), r.steps(), r.epochs(), r.msPerStep(), r.peakMb(), 100 * report.cleanAccuracy()));
            for (double a : report.certifiedAccuracy()) {
                sb.append(String.format(Locale.ROOT, " %.1f %% |", 100 * a));
            }
            for (double a : report.attackedAccuracy()) {
                sb.append(String.format(Locale.ROOT, " %.1f %% |", 100 * a));
            }
            sb.append(String.format(Locale.ROOT, " %.4f | %s |%n", report.lipschitzBound(),
                    r.sound() ? "holds" : "VIOLATED"));
        }
        return sb.toString();
    }

    /**
     * Runs one family in a JVM of its own (the same class path and arguments, {@code --families} set to it), so that
     * each family's peak resident memory is its own; its console output goes to this one's.
     */
    private static Result inChildJvm(Family family, String[] args) throws IOException {
        Path result = Files.createTempFile("layer-family-" + family, ".txt");
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        List<String> command = new ArrayList<>(List.of(java, "-cp", classPath(), LayerFamilies.class.getName()));
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--families")) {
                i++;
            } else {
                command.add(args[i]);
            }
        }
        command.addAll(List.of("--families", family.toString(), "--result", result.toString()));
        try {
            int exit = new ProcessBuilder(command).inheritIO().start().waitFor();
            String line = Files.readString(result);
            if (exit != 0 || line.isBlank()) {
                throw new IllegalStateException("LayerFamilies: the run of " + family + " failed (exit " + exit + ")");
            }
            return Result.decode(line);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("LayerFamilies: interrupted while " + family + " ran", e);
        } finally {
            Files.deleteIfExists(result);
        }
    }

    /**
     * This class's class path: the URLs of its class loader where that is a URLClassLoader (Maven's
     * {@code exec:java}, whose {@code java.class.path} is Maven's own), else {@code java.class.path}.
     */
    private static String classPath() {
        if (LayerFamilies.class.getClassLoader() instanceof java.net.URLClassLoader loader) {
            StringBuilder sb = new StringBuilder();
            for (java.net.URL url : loader.getURLs()) {
                try {
                    sb.append(sb.length() == 0 ? "" : File.pathSeparator).append(new File(url.toURI()).getPath());
                } catch (java.net.URISyntaxException e) {
                    throw new IllegalStateException("LayerFamilies: class path entry " + url + " is not a file", e);
                }
            }
            return sb.toString();
        }
        return System.getProperty("java.class.path");
    }

    public static void main(String[] args) throws IOException {
        String usage = "LayerFamilies [--quick] [--budget MINUTES] [--offset U] [--final-lr R] [--families a,b,...]"
                + " [--fashion]"
                + " [--data DIR] [--out DIR]";
        Settings settings = Settings.standard();
        Double budget = null;
        Double offset = null;
        Double finalRate = null;
        List<Family> families = List.of(Family.values());
        MnistData.Kind kind = MnistData.Kind.MNIST;
        Path data = null;
        Path resultFile = null;
        File out = new File("output/certified");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> settings = Settings.quick();
                case "--fashion" -> kind = MnistData.Kind.FASHION_MNIST;
                case "--budget", "--offset", "--final-lr", "--families", "--data", "--out", "--result" -> {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException(args[i] + " needs a value; usage: " + usage);
                    }
                    String value = args[++i];
                    switch (args[i - 1]) {
                        case "--budget" -> budget = Double.parseDouble(value);
                        case "--offset" -> offset = Double.parseDouble(value);
                        case "--final-lr" -> finalRate = Double.parseDouble(value);
                        case "--families" -> {
                            List<Family> chosen = new ArrayList<>();
                            for (String name : value.split(",")) {
                                chosen.add(Family.of(name.trim()));
                            }
                            families = chosen;
                        }
                        case "--data" -> data = Path.of(value);
                        case "--result" -> resultFile = Path.of(value);
                        default -> out = new File(value);
                    }
                }
                default -> throw new IllegalArgumentException("unknown argument '" + args[i] + "'; usage: " + usage);
            }
        }
        if (budget != null) {
            settings = settings.withBudget(budget);
        }
        if (offset != null) {
            settings = settings.withOffset(offset);
        }
        if (finalRate != null) {
            settings = settings.withFinalLearningRate(finalRate);
        }
        System.out.println(Backends.requireSupported());
        DataSet train = MnistData.load(kind, true, data, settings.train());
        DataSet test = MnistData.load(kind, false, data, settings.test());
        List<Result> results = new ArrayList<>();
        if (resultFile != null) {
            // a child run: one family, its result written for the parent
            Result r = run(families.get(0), settings, train, test, epsilons(kind));
            Files.writeString(resultFile, r.encode());
            return;
        }
        for (Family f : families) {
            results.add(families.size() == 1 ? run(f, settings, train, test, epsilons(kind)) : inChildJvm(f, args));
        }
        System.out.printf(Locale.ROOT, "%n%s, %s run: %d training / %d test images, %.0f s of training per family,"
                        + " width %d, depth %d, batch %d, loss T = %.1f, offset %.2f, Adam %.1e to %.1e (cosine over"
                        + " the budget); certified accuracy on all test images, PGD (%d steps, L2) on the first %d%n%n",
                kind, settings.name(), settings.train(), settings.test(), settings.budgetSeconds(), settings.width(),
                settings.depth(), settings.batch(), settings.temperature(), settings.offset(), settings.learningRate(),
                settings.finalLearningRate(), settings.pgdSteps(),
                Math.min(settings.attacked(), settings.test()));
        System.out.print(table(results));
        String tag = kind == MnistData.Kind.MNIST ? "mnist" : "fashion-mnist";
        File png = CertifiedAccuracyChart.write(new File(out, "layer-families-" + tag + ".png"), 3.0,
                results.stream().map(Result::report).toArray(CertifiedReport[]::new));
        System.out.println("Wrote " + png);
        for (Result r : results) {
            if (!r.sound()) {
                throw new IllegalStateException("The attack violated the certificate of " + r.family());
            }
        }
    }
}
