package io.github.structnet.lipschitz;

import io.github.structnet.certify.NetworkLipschitz;
import io.github.structnet.testutil.LipschitzProbe;
import io.github.structnet.testutil.Nets;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GroupSort, ConcatenatedRelu, L2NormPooling2D and InvertibleDownsampling: each equals its formula computed here
 * independently (both layouts), is 1-Lipschitz on adversarially searched pairs, passes DL4J's gradient check in
 * double precision, and survives a ModelSerializer round trip bitwise; bad sizes are refused by name.
 */
class SortingAndNormPoolingTest {

    private static final InputType NCHW = InputType.convolutional(6, 6, 4);
    private static final InputType NHWC = InputType.convolutional(6, 6, 4, CNN2DFormat.NHWC);

    /** Sorted groups of n consecutive entries of each row of [rows, C]. */
    private static INDArray sortedGroups(INDArray rows, int n) {
        INDArray out = rows.dup();
        for (long r = 0; r < rows.size(0); r++) {
            for (long g = 0; g < rows.size(1); g += n) {
                double[] v = rows.get(NDArrayIndex.point(r), NDArrayIndex.interval(g, g + n)).toDoubleVector();
                java.util.Arrays.sort(v);
                out.get(NDArrayIndex.point(r), NDArrayIndex.interval(g, g + n)).assign(Nd4j.createFromArray(v));
            }
        }
        return out;
    }

    @Test
    void groupSortSortsEachGroupInBothLayoutsAndFeedForward() {
        for (int n : new int[]{2, 3, 6}) {
            MultiLayerNetwork nchw = Nets.stack(InputType.convolutional(3, 5, 6), 1,
                    new GroupSort.Builder().groupSize(n).build());
            MultiLayerNetwork nhwc = Nets.stack(InputType.convolutional(3, 5, 6, CNN2DFormat.NHWC), 1,
                    new GroupSort.Builder().groupSize(n).build());
            INDArray x = Nd4j.randn(DataType.DOUBLE, 3, 6, 3, 5);
            INDArray expected = sortedGroups(x.permute(0, 2, 3, 1).dup().reshape(-1, 6), n).reshape(3, 3, 5, 6);
            assertEquals(expected, nhwc.output(x.permute(0, 2, 3, 1).dup()), "NHWC, n = " + n);
            assertEquals(expected.permute(0, 3, 1, 2), nchw.output(x), "NCHW, n = " + n);
        }
        MultiLayerNetwork flat = Nets.stack(InputType.feedForward(5), 1, new GroupSort.Builder().fullSort().build());
        INDArray v = Nd4j.randn(DataType.DOUBLE, 7, 5);
        assertEquals(sortedGroups(v, 5), flat.output(v));
    }

    @Test
    void concatenatedReluKeepsNormsAndSplitsSigns() {
        MultiLayerNetwork nhwc = Nets.stack(NHWC, 1, new ConcatenatedRelu.Builder().build());
        INDArray x = Nd4j.randn(DataType.DOUBLE, 3, 6, 6, 4);
        INDArray y = nhwc.output(x);
        assertEquals(8, y.size(3));
        assertEquals(Nd4j.concat(3, x.dup().gt(0).castTo(DataType.DOUBLE).muli(x), x.dup().lt(0).castTo(DataType.DOUBLE)
                .muli(x).negi()), y);
        assertEquals(x.norm2Number().doubleValue(), y.norm2Number().doubleValue(), 1e-12);
        assertEquals(8, Nets.stack(InputType.feedForward(4), 1, new ConcatenatedRelu.Builder().build())
                .output(Nd4j.randn(DataType.DOUBLE, 2, 4)).size(1));
    }

    @Test
    void l2NormPoolingTakesWindowNorms() {
        INDArray x = Nd4j.randn(DataType.DOUBLE, 2, 6, 6, 4);
        INDArray windows = x.reshape(2, 3, 2, 3, 2, 4);
        INDArray expected = Nd4j.math().sqrt(windows.mul(windows).sum(2, 4));
        MultiLayerNetwork nhwc = Nets.stack(NHWC, 1, new L2NormPooling2D.Builder().kernelSize(2).smoothing(0).build());
        assertTrue(expected.equalsWithEps(nhwc.output(x), 1e-12));
        MultiLayerNetwork global = Nets.stack(NCHW, 1, new L2NormPooling2D.Builder().global(true).build());
        INDArray nchw = x.permute(0, 3, 1, 2).dup();
        assertTrue(Nd4j.math().sqrt(nchw.mul(nchw).sum(2, 3).addi(1e-12)).equalsWithEps(global.output(nchw), 1e-12));
        INDArray zero = Nd4j.zeros(DataType.DOUBLE, 1, 4, 6, 6);
        assertEquals(1e-6, global.output(zero).maxNumber().doubleValue(), 1e-18, "sqrt(smoothing) at zero");
    }

    @Test
    void invertibleDownsamplingIsThePermutationItDocuments() {
        int k = 2;
        INDArray x = Nd4j.randn(DataType.DOUBLE, 2, 4, 6, 6);
        MultiLayerNetwork nchw = Nets.stack(NCHW, 1, new InvertibleDownsampling.Builder().blockSize(k).build());
        MultiLayerNetwork nhwc = Nets.stack(NHWC, 1, new InvertibleDownsampling.Builder().blockSize(k).build());
        INDArray y = nchw.output(x);
        INDArray yLast = nhwc.output(x.permute(0, 2, 3, 1).dup());
        for (int c = 0; c < 4; c++) {
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < k; j++) {
                    for (int h = 0; h < 3; h++) {
                        for (int w = 0; w < 3; w++) {
                            double v = x.getDouble(1, c, h * k + i, w * k + j);
                            assertEquals(v, y.getDouble(1, c * k * k + i * k + j, h, w));
                            assertEquals(v, yLast.getDouble(1, h, w, c * k * k + i * k + j));
                        }
                    }
                }
            }
        }
    }

    @Test
    void everyLayerIsCertifiedOneLipschitzAndNoSearchedPairExceedsIt() {
        MultiLayerNetwork net = Nets.stack(NHWC, 3,
                new InvertibleDownsampling.Builder().build(),
                new ConcatenatedRelu.Builder().build(),
                new GroupSort.Builder().groupSize(4).build(),
                new L2NormPooling2D.Builder().kernelSize(3).build(),
                new ScaledAveragePooling2D.Builder().global(true).build());
        assertEquals(1.0, NetworkLipschitz.upperBound(net, 4));
        double ratio = LipschitzProbe.maxAdversarialPairRatio(net, new long[]{6, 6, 4}, 8, 40, 7);
        assertTrue(ratio <= 1 + 1e-12, "pair ratio " + ratio);
        assertTrue(ratio > 0.5, "the search finds large ratios: " + ratio);
    }

    @Test
    void gradientCheckPassesThroughAllLayersInBothLayouts() {
        for (CNN2DFormat format : CNN2DFormat.values()) {
            Nd4j.getRandom().setSeed(6);
            MultiLayerConfiguration conf = Nets.gradientCheckBase().list()
                    .layer(new InvertibleDownsampling.Builder().build())
                    .layer(new ConcatenatedRelu.Builder().build())
                    .layer(new GroupSort.Builder().groupSize(3).build())
                    .layer(new L2NormPooling2D.Builder().kernelSize(2).build())
                    .layer(new ScaledAveragePooling2D.Builder().global(true).build())
                    .layer(new GroupSort.Builder().fullSort().build())
                    .layer(Nets.mseOutput(2))
                    .setInputType(InputType.convolutional(4, 4, 3, format)).build();
            MultiLayerNetwork net = new MultiLayerNetwork(conf);
            net.init();
            long[] shape = format == CNN2DFormat.NHWC ? new long[]{2, 4, 4, 3} : new long[]{2, 3, 4, 4};
            assertTrue(Nets.gradientsMatch(net, Nd4j.randn(DataType.DOUBLE, shape), Nd4j.rand(DataType.DOUBLE, 2, 2),
                    Set.of()), "gradient check, " + format);
        }
    }

    @Test
    void modelSerializerRoundTripIsBitwise(@TempDir Path dir) throws IOException {
        MultiLayerNetwork net = Nets.stack(NHWC, 3,
                new InvertibleDownsampling.Builder().build(),
                new ConcatenatedRelu.Builder().build(),
                new GroupSort.Builder().groupSize(4).build(),
                new L2NormPooling2D.Builder().kernelSize(3).build(),
                new GroupSort.Builder().fullSort().build(),
                // parameters, so that the restored network keeps its data type (DL4J restores one without as float)
                new DenseLayer.Builder().nOut(3).build());
        File file = dir.resolve("layers.zip").toFile();
        ModelSerializer.writeModel(net, file, false);
        MultiLayerNetwork back = ModelSerializer.restoreMultiLayerNetwork(file);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 3, 6, 6, 4);
        assertArrayEquals(net.output(x).data().asDouble(), back.output(x).data().asDouble(), 0.0);
        assertEquals(net.getLayerWiseConfigurations(), back.getLayerWiseConfigurations());
    }

    @Test
    void sizesTheLayersCannotTakeAreRefusedByName() {
        Throwable groups = assertThrows(RuntimeException.class, () -> Nets.stack(InputType.feedForward(5), 1,
                new GroupSort.Builder().name("sort").groupSize(2).build()));
        assertTrue(groups.getMessage().contains("GroupSort 'sort'") && groups.getMessage().contains("5 channels"),
                groups.getMessage());
        Throwable blocks = assertThrows(RuntimeException.class, () -> Nets.stack(InputType.convolutional(5, 4, 1), 1,
                new InvertibleDownsampling.Builder().name("down").build()));
        assertTrue(blocks.getMessage().contains("InvertibleDownsampling 'down'") && blocks.getMessage().contains("5x4"),
                blocks.getMessage());
        Throwable size = assertThrows(IllegalArgumentException.class, () -> new GroupSort.Builder().groupSize(1));
        assertTrue(size.getMessage().contains("groupSize must be >= 2; got 1"), size.getMessage());
        Throwable delta = assertThrows(IllegalArgumentException.class,
                () -> new L2NormPooling2D.Builder().smoothing(Double.NaN));
        assertTrue(delta.getMessage().contains("smoothing"), delta.getMessage());
    }
}
