package io.github.structnet.examples.bench;

import io.github.structnet.updater.InPlaceUpdate;
import io.github.structnet.lipschitz.GradientFlowConv2D;
import io.github.structnet.lipschitz.GradientFlowDense;
import io.github.structnet.lipschitz.GradientFlowDenseStack;
import io.github.structnet.ode.NeuralOdeLayer;
import io.github.structnet.ode.RungeKuttaMethod;
import io.github.structnet.symplectic.SymplecticConv2D;
import io.github.structnet.symplectic.SympNets;
import io.github.structnet.updater.FusedAdam;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.RnnLossLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.RmsProp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.List;

/**
 * The configurations of the performance issue: StructNet blocks and the same arithmetic with DL4J's native layers.
 * Every network is float, trained with Adam ({@link FusedAdam}, DL4J's Adam step in fused oneDNN passes, for
 * StructNet's blocks and DL4J's layers alike; one width-1024 case repeats with DL4J's own {@link Adam}), and ends with
 * an MSE loss layer against a target of the input's size (flattened for the convolutional cases).
 */
public final class BenchmarkCases {

    /** The name suffix of the NHWC cases, the same on the PyTorch side. */
    public static final String CHANNELS_LAST = ", channels last (NHWC)";
    /** The name suffix of the cases that run N gradient-flow blocks as one {@link GradientFlowDenseStack}. */
    public static final String FUSED = ", one stack layer";
    /** The name suffix of a case trained with DL4J's own Adam. */
    public static final String STOCK_ADAM = ", DL4J's Adam";
    private static final double LEARNING_RATE = 1e-3;
    /** The neural-ODE rows' learning rate (the same in spiral_torch.py): the timed steps solve the same problem. */
    private static final double ODE_LEARNING_RATE = 1e-7;

    private BenchmarkCases() {
    }

    /** All cases; {@code quick} keeps the smallest of each kind, for CI. */
    public static List<BenchmarkCase> all(boolean quick) {
        List<BenchmarkCase> cases = new ArrayList<>();
        for (int width : quick ? new int[]{64} : new int[]{64, 256, 1024}) {
            cases.add(gradientFlowDense(256, width, 8));
            cases.add(gradientFlowDenseStack(256, width, 8));
            cases.add(nativeDense(256, width, 8));
        }
        if (!quick) {
            cases.add(gradientFlowDense(32, 128, 8));
            cases.add(gradientFlowDenseStack(32, 128, 8));
            cases.add(gradientFlowDense(128, 512, 8));
            cases.add(gradientFlowDenseStack(128, 512, 8));
        }
        if (!quick) {
            cases.add(gradientFlowDenseWithStockAdam(256, 1024, 8));
        }
        cases.add(gradientFlowConv(64, 32, 28, 4, CNN2DFormat.NCHW));
        cases.add(gradientFlowConv(64, 32, 28, 4, CNN2DFormat.NHWC));
        cases.add(nativeConv(64, 32, 28, 4));
        if (!quick) {
            cases.add(gradientFlowConv(64, 64, 32, 4, CNN2DFormat.NCHW));
            cases.add(gradientFlowConv(64, 64, 32, 4, CNN2DFormat.NHWC));
            cases.add(nativeConv(64, 64, 32, 4));
            cases.add(gradientFlowConv(32, 16, 56, 4, CNN2DFormat.NCHW));
            cases.add(gradientFlowConv(16, 96, 16, 4, CNN2DFormat.NCHW));
        }
        cases.add(symplecticConv(64, 32, 28, 4));
        cases.add(gSympNet(256, quick ? 64 : 256, 8));
        cases.add(neuralOde(RungeKuttaMethod.DORMAND_PRINCE));
        cases.add(neuralOde(RungeKuttaMethod.RK4));
        return cases;
    }

    /** 8 GradientFlowDense blocks of width n (hidden n): 2 matrix products of 2·B·n² flops per block and pass. */
    public static BenchmarkCase gradientFlowDense(int batch, int width, int blocks) {
        return gradientFlowDense(batch, width, blocks, fusedAdam(), "");
    }

    /**
     * The same trained with DL4J's own {@link Adam} (ND4J's {@code adam_updater} op), named with {@value #STOCK_ADAM}.
     */
    public static BenchmarkCase gradientFlowDenseWithStockAdam(int batch, int width, int blocks) {
        return gradientFlowDense(batch, width, blocks, new Adam(LEARNING_RATE), STOCK_ADAM);
    }

    private static BenchmarkCase gradientFlowDense(int batch, int width, int blocks, IUpdater updater,
                                                   String suffix) {
        return new BenchmarkCase(String.format("GradientFlowDense x%d, width %d, batch %d%s", blocks, width, batch,
                suffix), () -> denseNet(width, blocks, () -> new GradientFlowDense.Builder().nHidden(width).build(),
                updater), new long[]{batch, width}, new long[]{batch, width},
                3.0 * blocks * 4.0 * batch * width * width);
    }

    /**
     * The same blocks as one {@link GradientFlowDenseStack} layer (same arithmetic, one layer's bookkeeping), named
     * like {@link #gradientFlowDense} with {@value #FUSED} (PyTorch's row for it is the unfused one's).
     */
    public static BenchmarkCase gradientFlowDenseStack(int batch, int width, int blocks) {
        return new BenchmarkCase(String.format("GradientFlowDense x%d, width %d, batch %d%s", blocks, width, batch,
                FUSED), () -> denseNet(width, 1, () -> new GradientFlowDense.Builder().nHidden(width)
                .buildStack(blocks), fusedAdam()), new long[]{batch, width}, new long[]{batch, width},
                3.0 * blocks * 4.0 * batch * width * width);
    }

    /** The same products with DL4J DenseLayers: 2 per block (n → n, ReLU then identity). */
    public static BenchmarkCase nativeDense(int batch, int width, int blocks) {
        return new BenchmarkCase(String.format("DL4J DenseLayer x%d, width %d, batch %d", 2 * blocks, width, batch),
                () -> denseNet(width, 2 * blocks, () -> new DenseLayer.Builder().nOut(width).activation(Activation.RELU)
                        .build(), fusedAdam()),
                new long[]{batch, width}, new long[]{batch, width}, 3.0 * blocks * 4.0 * batch * width * width);
    }

    /**
     * 4 GradientFlowConv2D blocks, C → C hidden channels, 3×3: 2 convolutions of 2·B·HW·9·C² flops per block; NCHW, or
     * NHWC (named "channels last", like PyTorch's {@code channels_last} row it is compared with).
     */
    public static BenchmarkCase gradientFlowConv(int batch, int channels, int size, int blocks, CNN2DFormat format) {
        boolean last = format == CNN2DFormat.NHWC;
        return new BenchmarkCase(String.format("GradientFlowConv2D x%d, %d ch, %dx%d, batch %d%s", blocks, channels,
                size, size, batch, last ? CHANNELS_LAST : ""), () -> convNet(channels, size, blocks, format,
                () -> new GradientFlowConv2D.Builder().hiddenChannels(channels).build()),
                last ? new long[]{batch, size, size, channels} : new long[]{batch, channels, size, size},
                new long[]{batch, (long) channels * size * size}, convFlops(batch, channels, size, 2 * blocks));
    }

    /** The same convolutions with DL4J ConvolutionLayers: 2 per block. */
    public static BenchmarkCase nativeConv(int batch, int channels, int size, int blocks) {
        return new BenchmarkCase(String.format("DL4J ConvolutionLayer x%d, %d ch, %dx%d, batch %d", 2 * blocks,
                channels,
                size, size, batch), () -> convNet(channels, size, 2 * blocks,
                () -> new ConvolutionLayer.Builder(3, 3).nOut(channels).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).build()),
                new long[]{batch, channels, size, size}, new long[]{batch, (long) channels * size * size},
                convFlops(batch, channels, size, 2 * blocks));
    }

    /** SymplecticConv2D blocks (C/2 → C/2 hidden channels): 2 convolutions of 2·B·HW·9·(C/2)² flops per block. */
    public static BenchmarkCase symplecticConv(int batch, int channels, int size, int blocks) {
        return new BenchmarkCase(String.format("SymplecticConv2D x%d, %d ch, %dx%d, batch %d", blocks, channels, size,
                size, batch), () -> convNet(channels, size, blocks,
                () -> new SymplecticConv2D.Builder().hiddenChannels(channels / 2).build()),
                new long[]{batch, channels, size, size}, new long[]{batch, (long) channels * size * size},
                convFlops(batch, channels / 2, size, 2 * blocks));
    }

    /** A G-SympNet of gradient modules on phase space of dimension 2·(n/2) with hidden width n. */
    public static BenchmarkCase gSympNet(int batch, int width, int modules) {
        return new BenchmarkCase(String.format("G-SympNet x%d, width %d, batch %d", modules, width, batch), () -> {
            NeuralNetConfiguration.ListBuilder list = base().list();
            SympNets.gSympNet(modules, width, Activation.TANH).forEach(list::layer);
            return finish(list.layer(mse()), InputType.feedForward(width));
        }, new long[]{batch, width}, new long[]{batch, width}, 3.0 * modules * 4.0 * batch * (width / 2.0) * width);
    }

    /**
     * The spiral's neural ODE: F(y) = Linear(50→2)(tanh(Linear(2→50)(y³))), batch 20, the trajectory at 10 times on
     * [0, 0.225] against a mean-absolute-error loss, weights N(0, 0.1) as in PyTorch, RMSProp with a learning rate so
     * small that the vector field (and so the number of solver steps) stays the one both sides start from;
     * Dormand–Prince 5(4) at rtol 1e-7 / atol 1e-9, or RK4 with 100 steps.
     */
    public static BenchmarkCase neuralOde(RungeKuttaMethod method) {
        double[] times = new double[10];
        for (int i = 0; i < times.length; i++) {
            times[i] = 0.225 * i / 9;
        }
        String solver = method == RungeKuttaMethod.RK4 ? "RK4, 100 steps" : "Dormand-Prince 5(4), rtol 1e-7";
        return new BenchmarkCase("NeuralOde " + solver, () -> {
            NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT)
                    .seed(1).updater(new RmsProp(ODE_LEARNING_RATE, 0.99, 1e-8))
                    .weightInit(new NormalDistribution(0, 0.1)).list()
                    .layer(new NeuralOdeLayer.Builder().hidden(50).inputActivation(Activation.CUBE).times(times)
                            .output(NeuralOdeLayer.Output.TRAJECTORY).method(method).tolerances(1e-7, 1e-9)
                            .fixedStep(0.225 / 100).build())
                    .layer(new RnnLossLayer.Builder(LossFunctions.LossFunction.MEAN_ABSOLUTE_ERROR)
                            .activation(Activation.IDENTITY).build());
            return finish(list, InputType.feedForward(2));
        }, new long[]{20, 2}, new long[]{20, 2, 10}, 0);
    }

    private static double convFlops(int batch, int channels, int size, int convolutions) {
        return 3.0 * convolutions * 2.0 * batch * size * size * 9.0 * channels * channels;
    }

    private static MultiLayerNetwork denseNet(int width, int layers, java.util.function.Supplier<Layer> layer,
                                              IUpdater updater) {
        NeuralNetConfiguration.ListBuilder list = base(updater).list();
        for (int i = 0; i < layers; i++) {
            list.layer(layer.get());
        }
        return finish(list.layer(mse()), InputType.feedForward(width));
    }

    private static MultiLayerNetwork convNet(int channels, int size, int layers,
            java.util.function.Supplier<Layer> layer) {
        return convNet(channels, size, layers, CNN2DFormat.NCHW, layer);
    }

    private static MultiLayerNetwork convNet(int channels, int size, int layers, CNN2DFormat format,
                                             java.util.function.Supplier<Layer> layer) {
        NeuralNetConfiguration.ListBuilder list = base().list();
        for (int i = 0; i < layers; i++) {
            list.layer(layer.get());
        }
        // MSE on the flattened output (a free reshape of the c-order NCHW array), as PyTorch's F.mse_loss: DL4J's
        // CnnLossLayer would add a permute to NHWC and back, about 14 ms per step at 64×32×28×28, to every case
        return finish(list.layer(mse()), InputType.convolutional(size, size, channels, format));
    }

    private static NeuralNetConfiguration.Builder base() {
        return base(fusedAdam());
    }

    private static NeuralNetConfiguration.Builder base(IUpdater updater) {
        return new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).seed(1).updater(updater);
    }

    /** The updater of every case: DL4J's Adam step, computed by {@link FusedAdam}. */
    private static IUpdater fusedAdam() {
        return new FusedAdam(LEARNING_RATE);
    }

    private static LossLayer mse() {
        return new LossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY).build();
    }

    private static MultiLayerNetwork finish(NeuralNetConfiguration.ListBuilder list, InputType input) {
        MultiLayerNetwork net = new MultiLayerNetwork(list.setInputType(input).build());
        net.init();
        return InPlaceUpdate.install(net);
    }
}
