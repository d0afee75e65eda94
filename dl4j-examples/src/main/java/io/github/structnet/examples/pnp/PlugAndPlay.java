package io.github.structnet.examples.pnp;

import io.github.structnet.certify.NetworkLipschitz;
import io.github.structnet.examples.common.Charts;
import io.github.structnet.examples.data.NaturalImages;
import io.github.structnet.lipschitz.InputSizes;
import io.github.structnet.pnp.BlurKernels;
import io.github.structnet.pnp.BlurOperator;
import io.github.structnet.pnp.Denoiser;
import io.github.structnet.pnp.ImageQuality;
import io.github.structnet.pnp.Ista;
import io.github.structnet.pnp.ProximalGradient;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.knowm.xchart.XYChart;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Plug-and-Play image reconstruction with a certified 1-Lipschitz denoiser, against a DnCNN-style baseline and ISTA.
 * <ol>
 *   <li>Trains both denoisers on noisy patches of the scikit-image samples (σ = 25/255) and compares PSNR/SSIM on
 *   held-out images.</li>
 * <li>Applies each denoiser 50 times to a noisy image: the averaged one stays put, the unconstrained one may
 * drift.</li>   <li>Deblurs a motion-blurred noisy image with PnP (both denoisers, two starting points for the
 * certified one) and   ISTA, and plots ‖x_{k+1} − x_k‖ against k.</li>
 * </ol>
 * Usage: {@code PlugAndPlay [--quick] [--steps N] [--sigma LEVEL] [--images DIR] [--models DIR] [--out DIR]}
 * ({@code --sigma 15} trains and tests at noise 15/255; 25 by default); {@code --models}
 * reuses the denoisers saved by an earlier run instead of training. Writes PNGs, the trained models and
 * {@code pnp-results.md} into the output directory.
 */
public final class PlugAndPlay {

    /** Sizes and schedules; {@link #quick()} runs in about a minute for CI. */
    public record Settings(String name, int downscale, int testSize, int patch, int batch, int steps, int width,
                           int hidden, int blocks, double lrLipschitz, double lrBaseline, double sigma, int repeats,
                           int iterations, double blurNoise, double istaLambda, double stepScale,
                           double relaxation, long seed) {

        public static Settings quick() {
            return new Settings("quick", 4, 48, 24, 8, 40, 8, 8, 2, 3e-3, 1e-3, 25 / 255.0, 10, 500, 0.01, 0.004, 1.9,
                    0.25, 7);
        }

        /**
         * The default run. PnP uses α = 1.9/‖K‖² and the relaxed denoiser (1 − θ) I + θ Γ with θ = 0.05 (still
         * averaged): the denoisers are trained for noise 25/255 and the deblurring problem has noise 0.01 ≈ 2.6/255,
         * so the full denoiser over-smooths (θ = 1: 21.5 dB). θ was chosen on the camera image from
         * {1, 0.5, 0.25, 0.1, 0.07, 0.05, 0.03}.
         */
        public static Settings standard() {
            return new Settings("standard", 2, 128, 40, 32, 1500, 32, 32, 8, 3e-3, 1e-3, 25 / 255.0, 50, 500, 0.01,
                    0.004, 1.9, 0.05, 7);
        }

        /** Training noise σ = level/255 (e.g. 15 or 25). */
        public Settings withNoiseLevel(double level) {
            if (!(level > 0 && level < 255)) {
                throw new IllegalArgumentException("--sigma is a noise level in (0, 255) grey levels, e.g. 15 or 25; "
                        + "got "
                        + level);
            }
            return new Settings(name + ", sigma " + level + "/255", downscale, testSize, patch, batch, steps, width,
                    hidden, blocks, lrLipschitz, lrBaseline, level / 255.0, repeats, iterations, blurNoise, istaLambda,
                    stepScale, relaxation, seed);
        }

        public Settings withSteps(int steps) {
            return new Settings(name + ", " + steps + " steps", downscale, testSize, patch, batch, steps, width, hidden,
                    blocks, lrLipschitz, lrBaseline, sigma, repeats, iterations, blurNoise, istaLambda, stepScale,
                    relaxation, seed);
        }
    }

    /** PSNR/SSIM of one image under one method. */
    public record Score(String image, String method, double psnr, double ssim) {
    }

    /**
     * One PnP or ISTA run: the iterations until the relative change first reached 1e-5 (or all iterations run, if it
     * never did), whether it did, the PSNR of the last iterate (the solver runs on to 1e-6 or its budget), the
     * increments ‖x_{k+1} − x_k‖, the last iterate, and why it stopped early (null unless the iteration blew up).
     */
    public record Run(String name, int iterations, boolean converged, double psnr, double[] increments, INDArray x,
                      String failure) {
    }

    /** Everything the example measured, for the notebook's checks. */
    public record Result(double lipschitzSeconds, double baselineSeconds, double certifiedBound,
                         double certifiedBoundAfterReload, List<Score> denoising, double[] repeatedLipschitz,
                         double[] repeatedBaseline, double blurredPsnr, List<Run> deblurring,
                         double fixedPointDifference, double largestIncrementRise) {

        /** The mean PSNR of a method over the held-out images. */
        public double meanPsnr(String method) {
            return denoising.stream().filter(s -> s.method().equals(method)).mapToDouble(Score::psnr).average()
                    .orElse(Double.NaN);
        }

        public Run run(String name) {
            return deblurring.stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
        }

        /** The two PnP runs of the certified denoiser (from y and from noise). */
        public List<Run> lipschitzRuns() {
            return deblurring.subList(2, 4);
        }
    }

    public static final String LIPSCHITZ_FILE = "lipschitz-denoiser.zip";
    public static final String BASELINE_FILE = "dncnn-denoiser.zip";
    public static final String NOISY = "noisy";
    public static final String LIPSCHITZ = "1-Lipschitz";
    public static final String BASELINE = "DnCNN";

    private PlugAndPlay() {
    }

    public static Result run(Settings s, Path imageDir, File out) throws IOException {
        return run(s, imageDir, null, out);
    }

    /**
     * Runs the three experiments.
     *
     * @param models a directory holding {@code lipschitz-denoiser.zip} and {@code dncnn-denoiser.zip} from an earlier
     *               run, to skip training; null to train
     */
    public static Result run(Settings s, Path imageDir, Path models, File out) throws IOException {
        Path dir = NaturalImages.skimageDirectory(imageDir);
        List<INDArray> train = new ArrayList<>();
        for (NaturalImages.Image img : NaturalImages.load(dir, NaturalImages.TRAIN)) {
            train.add(NaturalImages.downscale(img.pixels(), s.downscale()));
        }
        List<NaturalImages.Image> test = new ArrayList<>();
        for (NaturalImages.Image img : NaturalImages.load(dir, NaturalImages.TEST)) {
            test.add(new NaturalImages.Image(img.name(), NaturalImages.centreCrop(
                    NaturalImages.downscale(img.pixels(), s.downscale()), s.testSize(), s.testSize())));
        }
        System.out.printf(Locale.ROOT, "%d training images (downscaled %dx), %d held out (%dx%d crops): %s%n",
                train.size(), s.downscale(), test.size(), s.testSize(), s.testSize(), NaturalImages.TEST);

        MultiLayerNetwork lipschitz;
        ComputationGraph baseline;
        double lipSeconds = 0;
        double baseSeconds = 0;
        if (models != null) {
            lipschitz = ModelSerializer.restoreMultiLayerNetwork(requireModel(models, LIPSCHITZ_FILE), true);
            baseline = ModelSerializer.restoreComputationGraph(requireModel(models, BASELINE_FILE), true);
            System.out.println("Loaded both denoisers from " + models + " (no training)");
        } else {
            lipschitz = DenoiserModels.lipschitz(s.width(), s.hidden(), s.blocks(), s.patch(), s.lrLipschitz(),
                    s.steps(), s.seed());
            lipSeconds = PatchTraining.train(lipschitz, train, s.steps(), s.batch(), s.patch(), s.sigma(), s.seed(),
                    "1-Lipschitz denoiser");
            baseline = DenoiserModels.dncnn(s.width(), s.blocks(), s.lrBaseline(), s.steps(), s.seed());
            baseSeconds = PatchTraining.train(baseline, train, s.steps(), s.batch(), s.patch(), s.sigma(), s.seed(),
                    "DnCNN baseline");
        }

        // the certified denoiser at the test size, checked again after a save/reload round trip
        File saved = new File(out, LIPSCHITZ_FILE);
        Charts.createParent(saved);
        ModelSerializer.writeModel(lipschitz, saved, true);
        ModelSerializer.writeModel(baseline, new File(out, BASELINE_FILE), true);
        InputType testType = InputType.convolutional(s.testSize(), s.testSize(), 1);
        MultiLayerNetwork atTestSize = InputSizes.resize(lipschitz, testType);
        int last = atTestSize.getnLayers() - 2;
        double bound = NetworkLipschitz.upperBound(atTestSize, last);
        MultiLayerNetwork reloaded = InputSizes.resize(ModelSerializer.restoreMultiLayerNetwork(saved, true), testType);
        double boundReloaded = NetworkLipschitz.upperBound(reloaded, last);
        Denoiser lip = Denoiser.of(reloaded);
        Denoiser dncnn = Denoiser.of(baseline);

        List<Score> scores = new ArrayList<>();
        List<ImageStrip.Panel> panels = new ArrayList<>();
        Nd4j.getRandom().setSeed(s.seed() + 1);
        INDArray noisyCamera = null;
        for (NaturalImages.Image img : test) {
            INDArray clean = img.pixels();
            INDArray noisy = clean.add(Nd4j.randn(DataType.DOUBLE, clean.shape()).muli(s.sigma()));
            if (noisyCamera == null) {
                noisyCamera = noisy;
            }
            INDArray a = lip.apply(noisy);
            INDArray b = dncnn.apply(noisy);
            scores.add(score(img.name(), NOISY, clean, noisy));
            scores.add(score(img.name(), LIPSCHITZ, clean, a));
            scores.add(score(img.name(), BASELINE, clean, b));
            panels.addAll(List.of(new ImageStrip.Panel(img.name(), clean), new ImageStrip.Panel("noisy", noisy),
                    new ImageStrip.Panel(LIPSCHITZ, a), new ImageStrip.Panel(BASELINE, b)));
        }
        ImageStrip.write(panels, out.toPath().resolve("pnp-denoising.png"));

        // repeated application
        INDArray cleanCamera = test.get(0).pixels();
        double[] repLip = repeat(lip, noisyCamera, cleanCamera, s.repeats());
        double[] repBase = repeat(dncnn, noisyCamera, cleanCamera, s.repeats());
        XYChart rep = Charts.chart(String.format(Locale.ROOT, "Denoiser applied k times (%s, sigma = %.0f/255)",
                        test.get(0).name(), 255 * s.sigma()),
                "applications k", "PSNR (dB)");
        Charts.line(rep, LIPSCHITZ, Charts.times(s.repeats() + 1, 1), repLip);
        Charts.line(rep, BASELINE, Charts.times(s.repeats() + 1, 1), repBase);
        Charts.save(rep, new File(out, "pnp-repeated.png"));
        ImageStrip.write(List.of(new ImageStrip.Panel("noisy", noisyCamera),
                new ImageStrip.Panel(LIPSCHITZ + " x1", applyTimes(lip, noisyCamera, 1)),
                new ImageStrip.Panel(LIPSCHITZ + " x" + s.repeats(), applyTimes(lip, noisyCamera, s.repeats())),
                new ImageStrip.Panel(BASELINE + " x1", applyTimes(dncnn, noisyCamera, 1)),
                new ImageStrip.Panel(BASELINE + " x" + s.repeats(), applyTimes(dncnn, noisyCamera, s.repeats()))),
                out.toPath().resolve("pnp-repeated-images.png"));

        // deblurring
        BlurOperator blur = new BlurOperator(BlurKernels.motion(9, 9, 30), 1, s.testSize(), s.testSize());
        Nd4j.getRandom().setSeed(s.seed() + 2);
        INDArray y = blur.apply(cleanCamera).addi(Nd4j.randn(DataType.DOUBLE, cleanCamera.shape()).muli(s.blurNoise()));
        double blurredPsnr = ImageQuality.psnr(cleanCamera, y);
        double norm2 = blur.normBound() * blur.normBound();
        double pnpStep = s.stepScale() / norm2;
        Denoiser lipRelaxed = lip.relaxed(s.relaxation());
        Denoiser dncnnRelaxed = dncnn.relaxed(s.relaxation());
        INDArray randomStart = Nd4j.rand(DataType.DOUBLE, cleanCamera.shape());
        List<Run> runs = new ArrayList<>();
        runs.add(solve("ISTA (Haar, lambda " + s.istaLambda() + ")", Ista.builder(blur, y, s.istaLambda(), 3,
                1.0 / norm2), cleanCamera, y, s.iterations()));
        runs.add(solve("PnP " + BASELINE, ProximalGradient.builder(blur, y).step(pnpStep).proximal(dncnnRelaxed),
                cleanCamera, y, s.iterations()));
        runs.add(solve("PnP " + LIPSCHITZ + " from y", ProximalGradient.builder(blur, y).step(pnpStep)
                .proximal(lipRelaxed), cleanCamera, y, s.iterations()));
        runs.add(solve("PnP " + LIPSCHITZ + " from noise", ProximalGradient.builder(blur, y).step(pnpStep)
                .proximal(lipRelaxed), cleanCamera, randomStart, s.iterations()));
        INDArray a = runs.get(2).x();
        INDArray b = runs.get(3).x();
        double difference = a.sub(b).norm2Number().doubleValue() / a.norm2Number().doubleValue();
        double rise = Math.max(largestRise(runs.get(2).increments()), largestRise(runs.get(3).increments()));

        XYChart conv = Charts.chart("Deblurring: ||x_{k+1} - x_k|| (" + test.get(0).name() + ")", "iteration k",
                "||x_{k+1} - x_k||");
        conv.getStyler().setYAxisLogarithmic(true);
        List<ImageStrip.Panel> deblurPanels = new ArrayList<>(List.of(new ImageStrip.Panel("clean", cleanCamera),
                new ImageStrip.Panel(String.format(Locale.ROOT, "blurred %.2f dB", blurredPsnr), y)));
        for (Run r : runs) {
            double[] inc = r.increments();
            if (inc.length > 0) {
                Charts.line(conv, r.failure() == null ? r.name() : r.name() + " (diverged)",
                        Charts.times(inc.length, 1), positive(inc));
            }
            deblurPanels.add(new ImageStrip.Panel(String.format(Locale.ROOT, "%s %.2f dB",
                    r.name().replace(" (Haar, lambda " + s.istaLambda() + ")", "").replace("PnP ", ""), r.psnr()),
                    r.x()));
        }
        Charts.save(conv, new File(out, "pnp-convergence.png"));
        ImageStrip.write(deblurPanels, out.toPath().resolve("pnp-deblurring.png"));
        return new Result(lipSeconds, baseSeconds, bound, boundReloaded, scores, repLip, repBase, blurredPsnr, runs,
                difference, rise);
    }

    private static File requireModel(Path dir, String name) throws IOException {
        File f = dir.resolve(name).toFile();
        if (!f.isFile()) {
            throw new IOException("model file " + f + " not found; --models expects the output directory of an earlier"
                    + " run, holding " + LIPSCHITZ_FILE + " and " + BASELINE_FILE);
        }
        return f;
    }

    private static Score score(String image, String method, INDArray clean, INDArray x) {
        return new Score(image, method, ImageQuality.psnr(clean, x), ImageQuality.ssim(clean, x));
    }

    private static double[] repeat(Denoiser d, INDArray start, INDArray clean, int times) {
        double[] psnr = new double[times + 1];
        INDArray x = start;
        psnr[0] = ImageQuality.psnr(clean, x);
        for (int k = 1; k <= times; k++) {
            x = d.apply(x);
            psnr[k] = ImageQuality.psnr(clean, x);
        }
        return psnr;
    }

    private static INDArray applyTimes(Denoiser d, INDArray start, int times) {
        INDArray x = start;
        for (int k = 0; k < times; k++) {
            x = d.apply(x);
        }
        return x;
    }

    /** Relative change that counts as converged (the criterion). */
    public static final double CONVERGED = 1e-5;
    /** The solvers run on to this relative change (or the iteration budget), so that the final iterates are closer
     * to the fixed point than the convergence criterion alone would leave them. */
    public static final double RUN_TO = 1e-6;

    private static Run solve(String name, ProximalGradient.Builder builder, INDArray clean, INDArray start,
                             int iterations) {
        long t0 = System.nanoTime();
        List<Double> increments = new ArrayList<>();
        Run run;
        try {
            ProximalGradient.Reconstruction r = builder.reference(clean).maxIterations(iterations).tolerance(RUN_TO)
                    .listener(it -> increments.add(it.increment())).build().solve(start);
            int reached = firstBelow(r.history().relativeChanges(), CONVERGED);
            run = new Run(name, reached > 0 ? reached : r.iterations(), reached > 0, ImageQuality.psnr(clean, r.x()),
                    r.history().increments(), r.x(), null);
        } catch (IllegalArgumentException e) {
            // an unconstrained denoiser can make the iteration blow up: report it, do not hide it
            run = new Run(name, increments.size(), false, Double.NaN,
                    increments.stream().mapToDouble(Double::doubleValue).toArray(), Nd4j.zerosLike(start),
                    e.getMessage());
        }
        System.out.printf(Locale.ROOT, "%-32s %4d iterations (%s) in %.1f s, PSNR %.2f dB%n", name, run.iterations(),
                run.failure() != null ? "diverged: " + run.failure() : run.converged() ? "converged" : "not converged",
                (System.nanoTime() - t0) / 1e9, run.psnr());
        return run;
    }

    /** The 1-based iteration at which {@code values} first drops to {@code threshold}, or −1. */
    static int firstBelow(double[] values, double threshold) {
        for (int i = 0; i < values.length; i++) {
            if (values[i] <= threshold) {
                return i + 1;
            }
        }
        return -1;
    }

    /** The largest increase ‖x_{k+2} − x_{k+1}‖ − ‖x_{k+1} − x_k‖ (≤ 0 for a non-expansive iteration). */
    static double largestRise(double[] increments) {
        double rise = Double.NEGATIVE_INFINITY;
        for (int i = 1; i < increments.length; i++) {
            rise = Math.max(rise, increments[i] - increments[i - 1]);
        }
        return rise;
    }

    private static double[] positive(double[] v) {
        double[] out = v.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.max(out[i], 1e-300);
        }
        return out;
    }

    /** A markdown report of the three experiments. */
    public static String describe(Result r, Settings s) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "## Plug-and-Play (%s): %d training steps, batch %d, %dx%d patches, "
                        + "sigma = %.1f/255%n%n", s.name(), s.steps(), s.batch(), s.patch(), s.patch(),
                                255 * s.sigma()));
        String training = r.lipschitzSeconds() > 0 ? String.format(Locale.ROOT,
                "Training time: 1-Lipschitz %.0f s, DnCNN %.0f s.", r.lipschitzSeconds(), r.baselineSeconds())
                : "Denoisers loaded from an earlier run (no training in this run).";
        sb.append(String.format(Locale.ROOT, "%s Certified Lipschitz bound of the 1-Lipschitz denoiser at %dx%d: %.6f"
                        + " (after reload: %.6f).%n%n", training, s.testSize(), s.testSize(), r.certifiedBound(),
                r.certifiedBoundAfterReload()));
        sb.append("| image | noisy | 1-Lipschitz | DnCNN |\n|---|---|---|---|\n");
        for (int i = 0; i < r.denoising().size(); i += 3) {
            Score n = r.denoising().get(i);
            Score a = r.denoising().get(i + 1);
            Score b = r.denoising().get(i + 2);
            sb.append(String.format(Locale.ROOT, "| %s | %.2f dB / %.3f | %.2f dB / %.3f | %.2f dB / %.3f |%n",
                    n.image(), n.psnr(), n.ssim(), a.psnr(), a.ssim(), b.psnr(), b.ssim()));
        }
        sb.append(String.format(Locale.ROOT, "| mean PSNR | %.2f | %.2f | %.2f |%n%n", r.meanPsnr(NOISY),
                r.meanPsnr(LIPSCHITZ), r.meanPsnr(BASELINE)));
        int k = r.repeatedLipschitz().length - 1;
        sb.append(String.format(Locale.ROOT, "Applied %d times: 1-Lipschitz %.2f -> %.2f dB, DnCNN %.2f -> %.2f dB "
                        + "(PSNR after 1 and after %d applications).%n%n", k, r.repeatedLipschitz()[1],
                r.repeatedLipschitz()[k], r.repeatedBaseline()[1], r.repeatedBaseline()[k], k));
        sb.append(String.format(Locale.ROOT, "Deblurring (motion blur 9 px at 30 degrees, noise %.3f): blurred input "
                + "%.2f dB. PnP: step %.2f/||K||^2, denoiser relaxed to (1 - %.2f) I + %.2f D; ISTA: step 1/||K||^2."
                + "%n%n| method | iterations to rel. change <= 1e-5 | converged | PSNR |%n|---|---|---|---|%n",
                s.blurNoise(), r.blurredPsnr(), s.stepScale(), s.relaxation(), s.relaxation()));
        for (Run run : r.deblurring()) {
            sb.append(String.format(Locale.ROOT, "| %s | %d | %s | %s |%n", run.name(), run.iterations(),
                    run.failure() != null ? "no: diverged (non-finite pixels)" : run.converged() ? "yes" : "no",
                    Double.isNaN(run.psnr()) ? "-" : String.format(Locale.ROOT, "%.2f dB", run.psnr())));
        }
        sb.append(String.format(Locale.ROOT,
                "%nPnP 1-Lipschitz from two starts (run on to a relative change of 1e-6 or %d "
                + "iterations): fixed points differ by %.2e (relative); largest rise of ||x_{k+1} - x_k|| along the "
                        + "iteration: %.2e.%n",
                s.iterations(), r.fixedPointDifference(), r.largestIncrementRise()));
        return sb.toString();
    }

    public static void main(String[] args) throws IOException {
        String usage = "PlugAndPlay [--quick] [--steps N] [--sigma LEVEL] [--images DIR] [--models DIR] [--out DIR]";
        Settings settings = Settings.standard();
        Path images = null;
        Path models = null;
        File out = new File("target/pnp");
        Integer steps = null;
        Double sigma = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> settings = Settings.quick();
                case "--steps" -> steps = Integer.parseInt(value(args, ++i, usage));
                case "--sigma" -> sigma = Double.parseDouble(value(args, ++i, usage));
                case "--images" -> images = Paths.get(value(args, ++i, usage));
                case "--models" -> models = Paths.get(value(args, ++i, usage));
                case "--out" -> out = new File(value(args, ++i, usage));
                default -> throw new IllegalArgumentException("unknown argument '" + args[i] + "'; usage: " + usage);
            }
        }
        if (steps != null) {
            settings = settings.withSteps(steps);
        }
        if (sigma != null) {
            settings = settings.withNoiseLevel(sigma);
        }
        Result r = run(settings, images, models, out);
        String report = describe(r, settings);
        System.out.println(report);
        Files.writeString(out.toPath().resolve("pnp-results.md"), report);
        System.out.println("Wrote PNGs, models and pnp-results.md to " + out);
    }

    private static String value(String[] args, int i, String usage) {
        if (i >= args.length) {
            throw new IllegalArgumentException(args[i - 1] + " needs a value; usage: " + usage);
        }
        return args[i];
    }
}
