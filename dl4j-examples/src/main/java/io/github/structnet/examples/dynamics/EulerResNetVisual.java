package io.github.structnet.examples.dynamics;

import io.github.structnet.examples.common.Charts;
import io.github.structnet.examples.common.Training;
import io.github.structnet.ode.EulerResidual;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.awt.Color;
import java.io.File;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * A ResNet as Euler steps, made visible: points of two concentric rings in the plane (not linearly separable) are
 * lifted to ℝ³ by a zero third coordinate and moved by L Euler steps of ẋ = B(t)ᵀ tanh(A(t)x + b(t))
 * ({@link EulerResidual}, one layer per time step), until a linear classifier separates them. Writes
 * {@code resnet-trajectories.png}: the trajectories of the points through the layers, projected on (x₁, x₃).
 * Usage: {@code EulerResNetVisual [--quick] [--out DIR]}.
 */
public final class EulerResNetVisual {

    /** The trained network, its data and the accuracy. */
    public record Result(MultiLayerNetwork net, DataSet data, int layers, double accuracy) {
    }

    private EulerResNetVisual() {
    }

    /** Two rings (radius 0.5 and 1.0, noise 0.08), lifted to ℝ³ with x₃ = 0; one-hot labels. */
    public static DataSet rings(int n, long seed) {
        Random r = new Random(seed);
        INDArray x = Nd4j.zeros(DataType.DOUBLE, n, 3);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, n, 2);
        for (int i = 0; i < n; i++) {
            int c = i % 2;
            double angle = 2 * Math.PI * r.nextDouble();
            double radius = (c == 0 ? 0.5 : 1.0) + 0.08 * r.nextGaussian();
            x.putScalar(i, 0, radius * Math.cos(angle));
            x.putScalar(i, 1, radius * Math.sin(angle));
            y.putScalar(i, c, 1.0);
        }
        return new DataSet(x, y);
    }

    public static Result run(int points, int layers, int epochs, long seed) {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .seed(seed)
                .updater(new Adam(0.02)).list();
        for (int i = 0; i < layers; i++) {
            list.layer(new EulerResidual.Builder().name("step" + i).width(3).activation(Activation.TANH)
                    .step(1.0 / layers * 4).build());
        }
        list.layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(2).activation(Activation.SOFTMAX)
                .build());
        MultiLayerNetwork net = new MultiLayerNetwork(list.setInputType(InputType.feedForward(3)).build());
        net.init();
        DataSet data = rings(points, seed);
        Training.fit(net, data, epochs, 32, seed, "Euler ResNet");
        INDArray predicted = net.output(data.getFeatures()).argMax(1);
        INDArray truth = data.getLabels().argMax(1);
        double accuracy = predicted.eq(truth).castTo(DataType.DOUBLE).meanNumber().doubleValue();
        return new Result(net, data, layers, accuracy);
    }

    public static void writePlot(Result r, File out, int shown) throws IOException {
        List<INDArray> acts = r.net().feedForward(r.data().getFeatures(), false);
        XYChart c = Charts.chart(String.format(Locale.ROOT,
                "%d Euler steps of ẋ = B(t)ᵀtanh(A(t)x + b(t)), accuracy %.1f%%",
                r.layers(), 100 * r.accuracy()), "x₁", "x₃");
        c.getStyler().setLegendVisible(false);
        Color[] colors = {new Color(31, 119, 180), new Color(255, 127, 14)};
        int n = (int) Math.min(shown, r.data().numExamples());
        for (int i = 0; i < n; i++) {
            double[] xs = new double[r.layers() + 1];
            double[] zs = new double[r.layers() + 1];
            for (int l = 0; l <= r.layers(); l++) {
                xs[l] = acts.get(l).getDouble(i, 0);
                zs[l] = acts.get(l).getDouble(i, 2);
            }
            int cls = r.data().getLabels().getRow(i).argMax().getInt(0);
            XYSeries s = Charts.line(c, "p" + i, xs, zs);
            s.setLineColor(colors[cls]);
            s.setLineWidth(0.8f);
            s.setLineStyle(SeriesLines.SOLID);
            XYSeries end = Charts.points(c, "e" + i, new double[]{xs[r.layers()]}, new double[]{zs[r.layers()]});
            end.setMarker(SeriesMarkers.CIRCLE);
            end.setMarkerColor(colors[cls]);
        }
        Charts.save(c, new File(out, "resnet-trajectories.png"));
    }

    public static void main(String[] args) throws IOException {
        Charts.ExampleArgs a = Charts.parse(args, "output/euler-resnet", "EulerResNetVisual [--quick] [--out DIR]");
        Result r = a.quick() ? run(300, 10, 60, 5) : run(1000, 20, 150, 5);
        System.out.printf(Locale.ROOT, "Euler ResNet, %d layers: training accuracy %.1f%%%n", r.layers(),
                100 * r.accuracy());
        writePlot(r, a.out(), 80);
        System.out.println("Wrote " + new File(a.out(), "resnet-trajectories.png"));
    }
}
