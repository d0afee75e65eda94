package io.github.structnet.reliability;

import io.github.structnet.data.BatchProblem;
import io.github.structnet.data.BatchScreen;
import io.github.structnet.data.ScreenedDataSetIterator;
import io.github.structnet.data.ScreenedDataSetIterator.OnBadBatch;
import io.github.structnet.lipschitz.GradientFlowConv2D;
import io.github.structnet.lipschitz.GradientFlowDense;
import io.github.structnet.lipschitz.SpectralDense;
import io.github.structnet.symplectic.GradientModule;
import io.github.structnet.symplectic.SymplecticConv2D;
import io.github.structnet.testutil.Nets;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad data at run time. A minibatch with NaN or infinite inputs, no rows or the wrong shape makes {@code fit} throw a
 * message naming the layer and the problem, and leaves the network as it was: training continued afterwards is
 * bitwise the run that never saw the bad batch (parameters, power-iteration state, updater state), for dense,
 * convolutional and symplectic networks. {@link ScreenedDataSetIterator} refuses or skips such batches (and NaN
 * labels, which DL4J's losses would turn into NaN parameters silently) before {@code fit}, counting what it skipped.
 */
class BadDataTest {

    /** A network of the given StructNet layers and an MSE loss, double precision, Adam (so the updater has state). */
    private record Net(String name, Supplier<MultiLayerNetwork> build, IntFunction<INDArray> input,
            long... outputShape) {
        MultiLayerNetwork fresh() {
            return build.get();
        }

        /** Random labels for n examples; {@code extra} widens the last dimension (a wrong shape). */
        INDArray labels(long n, int extra) {
            long[] shape = new long[outputShape.length + 1];
            shape[0] = n;
            System.arraycopy(outputShape, 0, shape, 1, outputShape.length);
            shape[shape.length - 1] += extra;
            return Nd4j.rand(DataType.DOUBLE, shape);
        }
    }

    private static MultiLayerNetwork network(InputType type, Layer... layers) {
        return Nets.adamStack(type, DataType.DOUBLE, 11, 1e-2, true, List.of(layers));
    }

    private static List<Net> nets() {
        return List.of(
                new Net("dense", () -> network(InputType.feedForward(4),
                        new GradientFlowDense.Builder().name("flow").nHidden(8).build(),
                        new SpectralDense.Builder().name("head").nOut(2).build()),
                        n -> Nd4j.randn(DataType.DOUBLE, n, 4), 2),
                new Net("convolutional", () -> network(InputType.convolutional(5, 5, 2),
                        new GradientFlowConv2D.Builder().name("flow").hiddenChannels(3).build(),
                        new SymplecticConv2D.Builder().name("symplectic").hiddenChannels(2).build()),
                        n -> Nd4j.randn(DataType.DOUBLE, n, 2, 5, 5), 50),
                new Net("symplectic", () -> network(InputType.feedForward(4),
                        new GradientModule.Builder().name("module").width(6).build()),
                        n -> Nd4j.randn(DataType.DOUBLE, n, 4), 4));
    }

    private static String messageOf(Throwable t) {
        StringBuilder all = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            all.append(c.getMessage()).append(" | ");
        }
        return all.toString();
    }

    /** The bad inputs tried on each network, with a word each message must contain. */
    private static List<Object[]> badInputs(Net net) {
        List<Object[]> bad = new ArrayList<>();
        INDArray nan = net.input().apply(3);
        nan.putScalar(new long[nan.rank()], Double.NaN);
        bad.add(new Object[]{"NaN", nan});
        INDArray inf = net.input().apply(3);
        inf.putScalar(new long[inf.rank()], Double.NEGATIVE_INFINITY);
        bad.add(new Object[]{"infinite", inf});
        bad.add(new Object[]{"empty", net.input().apply(1).get(NDArrayIndex.interval(0, 0))});
        long[] shape = net.input().apply(3).shape();
        shape[1] += 1;
        bad.add(new Object[]{"shape", Nd4j.randn(DataType.DOUBLE, shape)});
        return bad;
    }

    @Test
    void badInputsAreRefusedByNameAndTrainingContinuesAsIfTheyNeverCame() {
        for (Net net : nets()) {
            for (Object[] bad : badInputs(net)) {
                String kind = (String) bad[0];
                INDArray x = (INDArray) bad[1];
                Nd4j.getRandom().setSeed(5);
                INDArray x1 = net.input().apply(6);
                INDArray y1 = net.labels(x1.size(0), 0);
                INDArray x2 = net.input().apply(6);
                INDArray y2 = net.labels(x2.size(0), 0);

                MultiLayerNetwork hit = net.fresh();
                MultiLayerNetwork clean = net.fresh();
                hit.fit(x1, y1);
                clean.fit(x1, y1);
                INDArray y = net.labels(x.size(0), 0);
                Throwable t = assertThrows(RuntimeException.class, () -> hit.fit(x, y), net.name() + " " + kind);
                String message = messageOf(t);
                if (kind.equals("empty")) { // DL4J refuses it before any layer: "Invalid input: length 0 (shape: …)"
                    assertTrue(message.contains("length 0"), net.name() + " " + kind + ": " + message);
                } else {
                    String word = kind.equals("shape") ? "expect" : kind; // "expected input [minibatch, 2, 5, 5]…"
                    assertTrue(message.matches("(?s).*'(flow|module)'.*") && message.contains(word),
                            net.name() + " " + kind + ": " + message);
                }
                for (int step = 0; step < 3; step++) {
                    hit.fit(x2, y2);
                    clean.fit(x2, y2);
                }
                assertArrayEquals(Nets.trainingState(clean), Nets.trainingState(hit),
                        net.name() + " after a refused " + kind + " batch");
                assertArrayEquals(clean.output(x2).data().asDouble(), hit.output(x2).data().asDouble());
            }
        }
    }

    private static List<DataSet> batches(Net net, int count) {
        Nd4j.getRandom().setSeed(9);
        List<DataSet> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            INDArray x = net.input().apply(4);
            list.add(new DataSet(x, net.labels(4, 0)));
        }
        return list;
    }

    /** The good batches with four bad ones in between: NaN labels, ∞ features, no rows, wrong label width. */
    private static List<DataSet> withBadOnes(Net net, List<DataSet> good) {
        List<DataSet> all = new ArrayList<>(good);
        INDArray nanLabels = good.get(0).getLabels().dup();
        nanLabels.putScalar(new long[nanLabels.rank()], Double.NaN);
        all.add(1, new DataSet(good.get(0).getFeatures().dup(), nanLabels));
        INDArray infFeatures = good.get(1).getFeatures().dup();
        infFeatures.putScalar(new long[infFeatures.rank()], Double.POSITIVE_INFINITY);
        all.add(3, new DataSet(infFeatures, good.get(1).getLabels().dup()));
        all.add(4, new DataSet(net.input().apply(1).get(NDArrayIndex.interval(0, 0)), net.labels(0, 0)));
        all.add(6, new DataSet(good.get(2).getFeatures().dup(), net.labels(4, 1)));
        return all;
    }

    @Test
    void skippingCountsTheBadBatchesAndTrainsExactlyOnTheGoodOnes() {
        for (Net net : nets()) {
            List<DataSet> good = batches(net, 6);
            List<DataSet> mixed = withBadOnes(net, good);
            MultiLayerNetwork screened = net.fresh();
            MultiLayerNetwork reference = net.fresh();
            ScreenedDataSetIterator it = new ScreenedDataSetIterator(new ListDataSetIterator<>(mixed, 1),
                    OnBadBatch.SKIP);
            screened.fit(it, 2);
            reference.fit(new ListDataSetIterator<>(good, 1), 2);
            assertArrayEquals(Nets.trainingState(reference), Nets.trainingState(screened), net.name());
            assertEquals(8, it.skipped(), it.report());
            assertEquals(2, it.skipped(BatchProblem.NON_FINITE_LABELS));
            assertEquals(2, it.skipped(BatchProblem.NON_FINITE_FEATURES));
            assertEquals(2, it.skipped(BatchProblem.EMPTY));
            assertEquals(2, it.skipped(BatchProblem.LABEL_SHAPE));
            assertEquals(20, it.seen());
            assertTrue(it.report().startsWith("skipped 8 of 20 batches: "), it.report());
        }
    }

    @Test
    void withoutScreeningNanLabelsWouldReachTheParameters() {
        // the reason the screen exists: DL4J's loss passes NaN labels on as NaN gradients, with no message
        Net net = nets().get(0);
        MultiLayerNetwork unscreened = net.fresh();
        DataSet bad = withBadOnes(net, batches(net, 3)).get(1);
        unscreened.fit(bad);
        assertTrue(Double.isNaN(unscreened.params().sumNumber().doubleValue()));
    }

    @Test
    void failingNamesTheBatchAndTheProblem() {
        Net net = nets().get(0);
        ScreenedDataSetIterator it = new ScreenedDataSetIterator(
                new ListDataSetIterator<>(withBadOnes(net, batches(net, 6)), 1), OnBadBatch.FAIL);
        Throwable t = assertThrows(IllegalArgumentException.class, () -> net.fresh().fit(it));
        assertTrue(t.getMessage().contains("batch 2 has NaN or infinite labels"), t.getMessage());
    }

    @Test
    void givenShapesAreEnforcedFromTheFirstBatch() {
        Net net = nets().get(0);
        List<DataSet> list = batches(net, 2);
        list.add(0, new DataSet(Nd4j.randn(DataType.DOUBLE, 4, 5), Nd4j.rand(DataType.DOUBLE, 4, 2)));
        ScreenedDataSetIterator it = new ScreenedDataSetIterator(new ListDataSetIterator<>(list, 1), OnBadBatch.SKIP,
                new BatchScreen(new long[]{4}, new long[]{2}));
        int kept = 0;
        while (it.hasNext()) {
            it.next();
            kept++;
        }
        assertEquals(2, kept);
        assertEquals(1, it.skipped(BatchProblem.FEATURE_SHAPE));
    }
}
