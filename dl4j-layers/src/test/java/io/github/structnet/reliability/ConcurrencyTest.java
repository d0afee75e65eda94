package io.github.structnet.reliability;

import io.github.structnet.certify.NetworkLipschitz;
import io.github.structnet.lipschitz.GradientFlowConv2D;
import io.github.structnet.lipschitz.GradientFlowDense;
import io.github.structnet.lipschitz.SpectralConv2D;
import io.github.structnet.lipschitz.SpectralDense;
import io.github.structnet.symplectic.GradientModule;
import io.github.structnet.symplectic.Shear;
import io.github.structnet.symplectic.SymplecticConv2D;
import io.github.structnet.testutil.Nets;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.parallelism.ParallelInference;
import org.deeplearning4j.parallelism.ParallelWrapper;
import org.deeplearning4j.parallelism.inference.InferenceMode;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.ViewIterator;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Inference from many threads on trained StructNet networks (dense, convolutional NCHW with a symplectic convolution
 * and NHWC, symplectic dense modules), in
 * float so that the direct native routes run: 8 threads making 2000 (or, with the property below, 10⁴)
 * {@code output()} calls in all on one network give
 * results bitwise equal to a single-threaded run; 8 threads hitting a new input size at the same moment (the first
 * use of the per-thread plan caches and of the shared bound cache) agree bitwise; DL4J's {@code ParallelInference}
 * (sequential: bitwise; batched: to 1e-5) and {@code ParallelWrapper} (parameter averaging; the averaged network's
 * certificate holds on random pairs) work with StructNet layers.
 */
class ConcurrencyTest {

    private static final int THREADS = 8;
    /**
     * Calls per network: 2000 in the suite; {@code -Dstructnet.concurrency.calls=10000} for the full check (about a
     * minute per network on 2 cores).
     */
    private static final int CALLS = Integer.getInteger("structnet.concurrency.calls", 2000);
    private static List<Case> cases;

    /** A trained float network and a function making inputs of a given batch size. */
    private record Case(String name, MultiLayerNetwork net, Function<Integer, INDArray> input) {
    }

    private static MultiLayerNetwork trained(InputType type, Function<Integer, INDArray> input, Layer... layers) {
        MultiLayerNetwork net = Nets.adamStack(type, DataType.FLOAT, 3, 1e-2, true, List.of(layers));
        for (int i = 0; i < 5; i++) {
            INDArray x = input.apply(8);
            INDArray y = net.output(x).mul(0.5).addi(0.1);
            net.fit(x, y);
        }
        return net;
    }

    /** The trained networks, made once for the class. */
    private static synchronized List<Case> cases() {
        if (cases == null) {
            cases = train();
        }
        return cases;
    }

    private static List<Case> train() {
        Nd4j.getRandom().setSeed(17);
        List<Case> cases = new ArrayList<>();
        Function<Integer, INDArray> dense = n -> Nd4j.randn(DataType.FLOAT, n, 12);
        cases.add(new Case("dense", trained(InputType.feedForward(12), dense,
                new SpectralDense.Builder().nOut(32).build(), new GradientFlowDense.Builder().nHidden(64).build(),
                new GradientFlowDense.Builder().nHidden(64).build(), new SpectralDense.Builder().nOut(4).build()),
                dense));
        for (CNN2DFormat format : CNN2DFormat.values()) {
            Function<Integer, INDArray> images = n -> format == CNN2DFormat.NCHW
                    ? Nd4j.randn(DataType.FLOAT, n, 3, 10, 10) : Nd4j.randn(DataType.FLOAT, n, 10, 10, 3);
            List<Layer> layers = new ArrayList<>(List.of(new SpectralConv2D.Builder().outChannels(8).build(),
                    new GradientFlowConv2D.Builder().hiddenChannels(8).build()));
            if (format == CNN2DFormat.NCHW) {
                layers.add(new SymplecticConv2D.Builder().hiddenChannels(4).build()); // NCHW only
            }
            cases.add(new Case("convolutional " + format, trained(InputType.convolutional(10, 10, 3, format), images,
                    layers.toArray(new Layer[0])), images));
        }
        Function<Integer, INDArray> phase = n -> Nd4j.randn(DataType.FLOAT, n, 8);
        cases.add(new Case("symplectic", trained(InputType.feedForward(8), phase,
                new GradientModule.Builder().width(16).build(),
                new GradientModule.Builder().side(Shear.LOW).width(16).build(),
                new GradientModule.Builder().width(16).build()), phase));
        return cases;
    }

    private static float[] values(INDArray a) {
        return a.dup('c').data().asFloat();
    }

    @Test
    void manyThreadsOnOneNetworkGiveTheSingleThreadedResultsBitwise() throws Exception {
        for (Case c : cases()) {
            List<INDArray> inputs = new ArrayList<>();
            List<float[]> expected = new ArrayList<>();
            for (int batch = 1; batch <= 12; batch++) {
                INDArray x = c.input().apply(batch);
                inputs.add(x);
                expected.add(values(c.net().output(x)));
            }
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            try {
                List<Future<Integer>> mismatches = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    int thread = t;
                    mismatches.add(pool.submit(() -> {
                        int wrong = 0;
                        for (int k = 0; k < CALLS / THREADS; k++) {
                            int i = (thread * 7 + k) % inputs.size();
                            if (!Arrays.equals(expected.get(i), values(c.net().output(inputs.get(i))))) {
                                wrong++;
                            }
                        }
                        return wrong;
                    }));
                }
                int wrong = 0;
                for (Future<Integer> f : mismatches) {
                    wrong += f.get();
                }
                assertEquals(0, wrong, c.name() + ": outputs differing from the single-threaded run");
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void threadsHittingANewInputSizeAtOnceAgree() throws Exception {
        for (Case c : cases()) {
            MultiLayerNetwork fresh = c.net().clone();
            INDArray x = c.input().apply(13);
            CountDownLatch start = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            try {
                List<Future<float[]>> results = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    results.add(pool.submit((Callable<float[]>) () -> {
                        start.await();
                        return values(fresh.output(x));
                    }));
                }
                start.countDown();
                float[] single = values(c.net().output(x));
                for (Future<float[]> f : results) {
                    assertArrayEquals(single, f.get(), c.name());
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void parallelInferenceServesStructNetNetworks() throws Exception {
        for (Case c : cases()) {
            INDArray x = c.input().apply(6);
            float[] expected = values(c.net().output(x));
            for (InferenceMode mode : new InferenceMode[]{InferenceMode.SEQUENTIAL, InferenceMode.BATCHED}) {
                ParallelInference inference = new ParallelInference.Builder(c.net()).inferenceMode(mode).workers(2)
                        .batchLimit(32).build();
                ExecutorService pool = Executors.newFixedThreadPool(4);
                try {
                    List<Future<float[]>> results = new ArrayList<>();
                    for (int t = 0; t < 4; t++) {
                        results.add(pool.submit(() -> values(inference.output(x))));
                    }
                    for (Future<float[]> f : results) {
                        float[] got = f.get();
                        if (mode == InferenceMode.SEQUENTIAL) {
                            assertArrayEquals(expected, got, c.name() + ", " + mode);
                        } else {
                            assertArrayEquals(expected, got, 1e-5f, c.name() + ", " + mode);
                        }
                    }
                } finally {
                    pool.shutdownNow();
                    inference.shutdown();
                }
            }
        }
    }

    @Test
    void parallelWrapperTrainsADenseNetworkWhoseAveragedCertificateHolds() {
        Nd4j.getRandom().setSeed(23);
        MultiLayerNetwork net = trained(InputType.feedForward(6), n -> Nd4j.randn(DataType.FLOAT, n, 6),
                new SpectralDense.Builder().nOut(16).build(), new GradientFlowDense.Builder().nHidden(32).build(),
                new SpectralDense.Builder().nOut(2).build());
        INDArray x = Nd4j.randn(DataType.FLOAT, 256, 6);
        INDArray y = Nd4j.randn(DataType.FLOAT, 256, 2);
        INDArray before = net.params().dup();
        ParallelWrapper wrapper = new ParallelWrapper.Builder<>(net).workers(2).averagingFrequency(2)
                .prefetchBuffer(2).build();
        try {
            wrapper.fit(new ViewIterator(new DataSet(x, y), 16));
        } finally {
            wrapper.shutdown();
        }
        assertTrue(net.params().sub(before).norm2Number().doubleValue() > 0, "training changed nothing");
        assertTrue(Double.isFinite(net.params().sumNumber().doubleValue()), "non-finite parameters after averaging");
        double bound = NetworkLipschitz.upperBound(net, 2);
        assertTrue(bound <= 1 + 1e-5, "certified bound " + bound);
        INDArray a = Nd4j.randn(DataType.FLOAT, 500, 6);
        INDArray b = a.add(Nd4j.randn(DataType.FLOAT, 500, 6).muli(0.1));
        INDArray out = net.output(Nd4j.vstack(a, b));
        INDArray fa = out.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 500),
                org.nd4j.linalg.indexing.NDArrayIndex.all());
        INDArray fb = out.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(500, 1000),
                org.nd4j.linalg.indexing.NDArrayIndex.all());
        INDArray ratio = fa.sub(fb).norm2(1).div(a.sub(b).norm2(1));
        double largest = ratio.maxNumber().doubleValue();
        assertTrue(largest <= bound * (1 + 1e-4), "Lipschitz ratio " + largest + " above the bound " + bound);
    }
}
