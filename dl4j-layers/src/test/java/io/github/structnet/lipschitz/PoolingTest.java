package io.github.structnet.lipschitz;

import io.github.structnet.certify.NetworkLipschitz;
import io.github.structnet.spectral.SpectralNorm;
import io.github.structnet.testutil.Nets;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.SpaceToDepthLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 1-Lipschitz resolution changes: scaled average pooling (k×k and global) has operator norm exactly 1, DL4J's
 * space-to-depth preserves norms, both are certified by NetworkLipschitz; gradient checks in MLN and CG.
 */
class PoolingTest {

    /** The operator norm of a linear network on [1, C, H, W] inputs, from the SVD of its Dirac-built matrix. */
    private static double operatorNorm(MultiLayerNetwork net, int c, int h, int w) {
        int n = c * h * w;
        INDArray diracs = Nd4j.eye(n).castTo(DataType.DOUBLE).reshape(n, c, h, w);
        INDArray out = net.output(diracs);
        return SpectralNorm.exact(out.reshape(n, out.length() / n));
    }

    @Test
    void scaledPoolingHasOperatorNormExactlyOne() {
        MultiLayerNetwork window = Nets.stack(InputType.convolutional(6, 4, 3), 1,
                new ScaledAveragePooling2D.Builder().kernelSize(2).build());
        assertEquals(1.0, operatorNorm(window, 3, 6, 4), 1e-12);
        MultiLayerNetwork global = Nets.stack(InputType.convolutional(5, 3, 2), 1,
                new ScaledAveragePooling2D.Builder().global(true).build());
        assertEquals(1.0, operatorNorm(global, 2, 5, 3), 1e-12);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 1, 2, 5, 3);
        assertEquals(x.sum(2, 3).mul(1 / Math.sqrt(15)), global.output(x));
        assertEquals(1.0, NetworkLipschitz.upperBound(global, 0));
    }

    @Test
    void spaceToDepthPreservesNormsAndIsCertified() {
        MultiLayerNetwork net = Nets.stack(InputType.convolutional(6, 4, 3), 1,
                new SpaceToDepthLayer.Builder(2, SpaceToDepthLayer.DataFormat.NCHW).build());
        INDArray x = Nd4j.randn(DataType.DOUBLE, 5, 3, 6, 4);
        INDArray y = net.output(x);
        assertEquals(12, y.size(1));
        assertEquals(x.norm2Number().doubleValue(), y.norm2Number().doubleValue(), 1e-12);
        assertEquals(x.sumNumber().doubleValue(), y.sumNumber().doubleValue(), 1e-12, "a permutation");
        assertEquals(1.0, NetworkLipschitz.upperBound(net, 0));
    }

    @Test
    void sizesThatDropPixelsAreRefused() {
        Throwable t = assertThrows(RuntimeException.class, () -> Nets.stack(InputType.convolutional(5, 4, 1), 1,
                new ScaledAveragePooling2D.Builder().name("pool").kernelSize(2).build()));
        assertTrue(t.getMessage().contains("ScaledAveragePooling2D 'pool'") && t.getMessage().contains("5x4"),
                t.getMessage());
    }

    @Test
    void poolingStackPassesGradientCheckInMultiLayerNetwork() {
        Nd4j.getRandom().setSeed(4);
        MultiLayerConfiguration conf = Nets.gradientCheckBase().list()
                .layer(new ScaledAveragePooling2D.Builder().kernelSize(2).build())
                .layer(new GradientFlowConv2D.Builder().hiddenChannels(3).build())
                .layer(new SpaceToDepthLayer.Builder(2, SpaceToDepthLayer.DataFormat.NCHW).build())
                .layer(new ScaledAveragePooling2D.Builder().global(true).build())
                .layer(Nets.mseOutput(2))
                .setInputType(InputType.convolutional(8, 8, 2)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        assertTrue(Nets.gradientsMatch(net, Nd4j.rand(DataType.DOUBLE, 2, 2, 8, 8), Nd4j.rand(DataType.DOUBLE, 2, 2),
                Set.of("1_v")));
    }

    @Test
    void poolingPassesGradientCheckInComputationGraph() {
        Nd4j.getRandom().setSeed(5);
        ComputationGraphConfiguration conf = Nets.gradientCheckBase().graphBuilder().addInputs("in")
                .addLayer("pool", new ScaledAveragePooling2D.Builder().kernelSize(2).build(), "in")
                .addLayer("global", new ScaledAveragePooling2D.Builder().global(true).build(), "pool")
                .addLayer("out", Nets.mseOutput(2), "global")
                .setOutputs("out").setInputTypes(InputType.convolutional(4, 6, 3)).build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        assertTrue(Nets.gradientsMatch(net, new INDArray[]{Nd4j.rand(DataType.DOUBLE, 2, 3, 4, 6)},
                new INDArray[]{Nd4j.rand(DataType.DOUBLE, 2, 2)}, Set.of()));
    }
}
