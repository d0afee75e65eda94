package io.github.structnet.examples.dynamics;

import io.github.structnet.certify.GradientNorms;
import io.github.structnet.examples.common.Charts;
import io.github.structnet.lipschitz.GradientFlowDense;
import io.github.structnet.symplectic.SympNets;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.knowm.xchart.XYChart;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Gradient norms through depth: ‖∂L/∂x_l‖ at every layer of a 64-layer G-SympNet (symplectic: ‖J‖₂ ≥ 1, singular
 * values in pairs σ, 1/σ) and of a 64-layer contractive network of GradientFlowDense blocks (1-Lipschitz,
 * ‖J‖₂ ≤ 1), both at initialisation, for the same random input batch and output gradient. Writes
 * {@code gradient-norms.png}. Usage: {@code GradientStability [--quick] [--out DIR]}.
 */
public final class GradientStability {

    /** Norms per layer input (index 0 = network input) for both networks. */
    public record Result(int depth, double[] symplectic, double[] contractive) {
        public String table() {
            return String.format(Locale.ROOT, "%d layers: gradient norm at the input / at the output%n"
                            + "  G-SympNet (symplectic):      %.3e  (ratio %.3e)%n"
                            + "  GradientFlowDense (1-Lip):   %.3e  (ratio %.3e)%n",
                    depth, symplectic[0], symplectic[0] / symplectic[depth], contractive[0],
                            contractive[0] / contractive[depth]);
        }
    }

    private GradientStability() {
    }

    public static Result run(int depth, int dim, long seed) {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        MultiLayerNetwork sympnet = network(SympNets.gSympNet(depth, 16, Activation.TANH), dim, seed);
        List<Layer> flow = new ArrayList<>();
        for (int i = 0; i < depth; i++) {
            flow.add(new GradientFlowDense.Builder().nHidden(16).activation(Activation.TANH).build());
        }
        MultiLayerNetwork contractive = network(flow, dim, seed);
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 32, dim);
        INDArray eps = Nd4j.randn(DataType.DOUBLE, 32, dim);
        eps.divi(eps.norm2Number());
        return new Result(depth, GradientNorms.perLayer(sympnet, x, eps), GradientNorms.perLayer(contractive, x, eps));
    }

    private static MultiLayerNetwork network(List<Layer> layers, int dim, long seed) {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .seed(seed).list();
        layers.forEach(list::layer);
        MultiLayerNetwork net = new MultiLayerNetwork(list.setInputType(InputType.feedForward(dim)).build());
        net.init();
        return net;
    }

    public static void writePlot(Result r, File out) throws IOException {
        XYChart c = Charts.chart("Gradient norm ‖∂L/∂x_l‖ through " + r.depth() + " layers (log scale)", "layer l",
                "norm");
        c.getStyler().setYAxisLogarithmic(true);
        Charts.line(c, "G-SympNet (symplectic)", Charts.times(r.symplectic().length, 1), r.symplectic());
        Charts.line(c, "GradientFlowDense (contractive)", Charts.times(r.contractive().length, 1), r.contractive());
        Charts.save(c, new File(out, "gradient-norms.png"));
    }

    public static void main(String[] args) throws IOException {
        Charts.ExampleArgs a = Charts.parse(args, "output/gradients", "GradientStability [--quick] [--out DIR]");
        Result r = run(a.quick() ? 32 : 64, 4, 3);
        System.out.print(r.table());
        writePlot(r, a.out());
        System.out.println("Wrote " + new File(a.out(), "gradient-norms.png"));
    }
}
