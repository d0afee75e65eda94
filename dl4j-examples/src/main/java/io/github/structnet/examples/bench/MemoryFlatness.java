package io.github.structnet.examples.bench;

import io.github.structnet.examples.common.Charts;
import io.github.structnet.kernels.GlibcHeap;
import io.github.structnet.lipschitz.GradientFlowConv2D;
import io.github.structnet.lipschitz.GradientFlowDense;
import io.github.structnet.lipschitz.SpectralConv2D;
import io.github.structnet.lipschitz.SpectralDense;
import io.github.structnet.symplectic.SympNets;
import io.github.structnet.symplectic.SymplecticConv2D;
import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.knowm.xchart.XYChart;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.IntFunction;

/**
 * Resident memory over long training and inference with changing batch and input sizes: 10⁴ training steps and then
 * 10⁵ {@code output()} calls, spread round-robin over five float networks (dense: spectral and gradient-flow layers;
 * convolutional on 8×8, 12×12 and 16×16 images with spectral, gradient-flow and symplectic convolutions; a G-SympNet),
 * each call with a batch size drawn from 1…64, so the plan caches keep meeting new shapes and evicting old ones.
 *
 * <p>Each phase starts with a warm-up that runs every network once at every batch size (1…64), so that every shape
 * the phase will meet has been met once: ND4J keeps shape descriptors per distinct shape for the life of the JVM, and
 * the plan caches and workspaces grow to the largest shape. The resident set (JavaCPP's {@code
 * Pointer.physicalBytes()}, the kernel's RSS) is then sampled 100 times over the phase; the phase passes when no
 * sample exceeds the first by more than 5 %. Writes {@code memory-flatness.png} and prints a Markdown table; exits with
 * status 1 if a phase fails. Run with a fixed, pre-touched heap ({@code -Xms512m -Xmx512m -XX:+AlwaysPreTouch}) so
 * that heap growth is not mistaken for a leak, and with G1's concurrent cycles started early
 * ({@code -XX:-G1UseAdaptiveIHOP -XX:InitiatingHeapOccupancyPercent=5}): ND4J frees an array's native memory only when
 * the collector finds its Java object, and arrays that outlive a young collection are found only by a concurrent
 * cycle, which by default waits until the old generation fills 45 % of the heap; their small Java objects hold large
 * native buffers, so that wait costs hundreds of megabytes of resident memory.
 *
 * <p>With glibc's allocator, StructNet fixes glibc's {@code mmap} threshold and trims its heap in the background
 * ({@link GlibcHeap}); the progress lines count the trims ({@code -Dstructnet.glibcHeap=false} shows the run
 * without either).
 *
 * <p>Usage: {@code MemoryFlatness [--quick] [--out DIR]} (quick: 10³ steps and 10⁴ calls); with the JVM flags above:
 * {@code mvn -f dl4j-examples exec:exec@memory-flatness -Dmemory.args="--quick"}.
 */
public final class MemoryFlatness {

    private static final double ALLOWED_GROWTH = 0.05;
    private static final int SAMPLES = 100;
    private static final int MAX_BATCH = 64;
    /** {@code -Dstructnet.memory.collect=true}: a full collection before each sample (diagnostic). */
    private static final boolean COLLECT = Boolean.getBoolean("structnet.memory.collect");

    private MemoryFlatness() {
    }

    /** A network, the inputs it takes and the shape of one example's output. */
    private record Case(String name, MultiLayerNetwork net, IntFunction<INDArray> input, long outputWidth) {
        INDArray labels(long batch) {
            return Nd4j.randn(DataType.FLOAT, batch, outputWidth);
        }
    }

    /** One phase's samples and verdict. */
    private record Phase(String name, int operations, double[] at, double[] residentMb) {
        double firstSample() {
            return residentMb[0];
        }

        double peak() {
            double peak = 0;
            for (int i = 1; i < residentMb.length; i++) {
                peak = Math.max(peak, residentMb[i]);
            }
            return peak;
        }

        double growth() {
            return peak() / firstSample() - 1;
        }

        boolean flat() {
            return growth() <= ALLOWED_GROWTH;
        }

        /** The samples after the first tenth of the phase, sorted (what the level settles at, and its swing). */
        double[] laterSamples() {
            double[] later = Arrays.copyOfRange(residentMb, residentMb.length / 10, residentMb.length);
            Arrays.sort(later);
            return later;
        }
    }

    public static void main(String[] args) throws IOException {
        Charts.ExampleArgs options = Charts.parse(args, "target/memory-flatness",
                "MemoryFlatness [--quick] [--out DIR]");
        int steps = options.quick() ? 1_000 : 10_000;
        int calls = options.quick() ? 10_000 : 100_000;
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        List<Case> cases = cases();
        Random random = new Random(1);
        Phase training = run("training steps", steps, random, (c, batch) -> {
            INDArray x = c.input().apply(batch);
            INDArray y = c.labels(batch);
            c.net().fit(x, y);
            x.close(); // arrays made outside workspaces are freed when closed, or only when the collector finds them
            y.close();
        }, cases);
        Phase inference = run("output() calls", calls, random, (c, batch) -> {
            INDArray x = c.input().apply(batch);
            c.net().output(x, false).close();
            x.close();
        }, cases);

        System.out.println("| phase | operations | RSS at first sample (MB) | peak (MB) | growth | flat (≤ 5 %) "
                + "| after the first 10 %: min / median / max (MB) |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (Phase p : List.of(training, inference)) {
            double[] later = p.laterSamples();
            System.out.printf(Locale.ROOT, "| %s | %,d | %.0f | %.0f | %+.1f %% | %s | %.0f / %.0f / %.0f |%n",
                    p.name(), p.operations(), p.firstSample(), p.peak(), 100 * p.growth(), p.flat() ? "yes" : "NO",
                    later[0], later[later.length / 2], later[later.length - 1]);
        }
        XYChart chart = Charts.chart("Resident memory, " + cases.size() + " networks, batch 1-" + MAX_BATCH,
                "fraction of the phase", "resident set (MB)");
        for (Phase p : List.of(training, inference)) {
            Charts.line(chart, p.name() + " (" + String.format(Locale.ROOT, "%,d", p.operations()) + ")", p.at(),
                    p.residentMb());
        }
        File png = Charts.save(chart, new File(options.out(), "memory-flatness.png"));
        System.out.println("Wrote " + png);
        if (!training.flat() || !inference.flat()) {
            System.exit(1);
        }
    }

    /** One operation on a network with a batch size. */
    private interface Operation {
        void apply(Case c, int batch);
    }

    private static Phase run(String name, int operations, Random random, Operation operation, List<Case> cases) {
        for (Case c : cases) {
            for (int batch = 1; batch <= MAX_BATCH; batch++) {
                operation.apply(c, batch);
            }
        }
        double[] at = new double[SAMPLES];
        double[] resident = new double[SAMPLES];
        int sample = 0;
        long start = System.nanoTime();
        for (int i = 0; i < operations; i++) {
            Case c = cases.get(i % cases.size());
            operation.apply(c, 1 + random.nextInt(MAX_BATCH));
            if ((long) (i + 1) * SAMPLES / operations > sample) {
                at[sample] = (i + 1) / (double) operations;
                if (COLLECT) {
                    System.gc(); // ND4J frees arrays outside workspaces when their Java objects are collected
                }
                resident[sample] = Pointer.physicalBytes() / 1e6;
                sample++;
                if (sample % 10 == 0) {
                    System.out.printf(Locale.ROOT, "  %s: %,d of %,d, RSS %.0f MB (%.0f s, %d malloc trims so far)%n",
                            name, i + 1, operations, resident[sample - 1], (System.nanoTime() - start) / 1e9,
                            GlibcHeap.trims());
                }
            }
        }
        return new Phase(name, operations, at, resident);
    }

    private static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        cases.add(new Case("dense", network(InputType.feedForward(12), new SpectralDense.Builder().nOut(32).build(),
                new GradientFlowDense.Builder().nHidden(64).build(), new GradientFlowDense.Builder().nHidden(64)
                        .build(), new SpectralDense.Builder().nOut(4).build()),
                n -> Nd4j.randn(DataType.FLOAT, n, 12), 4));
        for (int size : new int[]{8, 12, 16}) {
            cases.add(new Case("convolutional " + size, network(InputType.convolutional(size, size, 4),
                    new SpectralConv2D.Builder().outChannels(8).build(),
                    new GradientFlowConv2D.Builder().hiddenChannels(8).build(),
                    new SymplecticConv2D.Builder().hiddenChannels(4).build()),
                    n -> Nd4j.randn(DataType.FLOAT, n, 4, size, size), 8L * size * size));
        }
        cases.add(new Case("G-SympNet", network(InputType.feedForward(8), SympNets.gSympNet(4, 32, Activation.TANH)
                .toArray(new Layer[0])), n -> Nd4j.randn(DataType.FLOAT, n, 8), 8));
        return cases;
    }

    private static MultiLayerNetwork network(InputType type, Layer... layers) {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT)
                .seed(3).updater(new Adam(1e-3)).list();
        for (Layer l : layers) {
            list.layer(l);
        }
        list.layer(new LossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY).build());
        MultiLayerNetwork net = new MultiLayerNetwork(list.setInputType(type).build());
        net.init();
        return net;
    }
}
