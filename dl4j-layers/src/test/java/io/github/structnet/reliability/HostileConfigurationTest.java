package io.github.structnet.reliability;

import io.github.structnet.cnf.ContinuousNormalizingFlow;
import io.github.structnet.lipschitz.ChannelEmbedding;
import io.github.structnet.lipschitz.AolConv2D;
import io.github.structnet.lipschitz.AolDense;
import io.github.structnet.lipschitz.BjorckDense;
import io.github.structnet.lipschitz.NormalizedRowsDense;
import io.github.structnet.lipschitz.SkewOrthogonalConv2D;
import io.github.structnet.lipschitz.SllConv2D;
import io.github.structnet.lipschitz.SllDense;
import io.github.structnet.lipschitz.GradientFlowConv2D;
import io.github.structnet.lipschitz.GradientFlowDense;
import io.github.structnet.lipschitz.ConcatenatedRelu;
import io.github.structnet.lipschitz.GroupSort;
import io.github.structnet.lipschitz.InvertibleDownsampling;
import io.github.structnet.lipschitz.L2NormPooling2D;
import io.github.structnet.lipschitz.ScaledAveragePooling2D;
import io.github.structnet.lipschitz.SpectralConv2D;
import io.github.structnet.lipschitz.SpectralDense;
import io.github.structnet.ode.EulerResidual;
import io.github.structnet.ode.NeuralOdeLayer;
import io.github.structnet.ode.NormPreservingFlow;
import io.github.structnet.ode.VolumePreservingFlow;
import io.github.structnet.symplectic.ActivationModule;
import io.github.structnet.symplectic.GeneralHamiltonianLayer;
import io.github.structnet.symplectic.GradientModule;
import io.github.structnet.symplectic.LinearModule;
import io.github.structnet.symplectic.SeparableHamiltonianLayer;
import io.github.structnet.symplectic.SymplecticConv2D;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile builder values, generated: for every StructNet layer builder and every setter of StructNet's own that
 * takes one number, each of 0, −1, −7, NaN and ±∞ (as the setter's type allows), set on an otherwise valid
 * builder, then built into a network with a fitting input type, initialised and run on a random input. Each case must
 * either fail with an {@code IllegalArgumentException} or {@code IllegalStateException} whose message names the layer
 * class and the value, or (for values that are valid, such as 0 for "keep every step") give a finite output; no other
 * exception, no NaN, no native crash. Structural mistakes (odd channels or phase-space sizes where a split needs even,
 * channels-last input where only NCHW is supported, bad hidden-width or time lists, flows with outputs or activations
 * they cannot take, convolutions on feed-forward inputs) must be refused naming the layer and the offending value. At
 * least 200 cases must be refused.
 */
class HostileConfigurationTest {

    /** A valid builder, the input type it fits, and an input of that type. */
    private record Subject(String name, Supplier<Object> builder, InputType type, long[] input) {
    }

    private static List<Subject> subjects() {
        InputType dense = InputType.feedForward(6);
        InputType image = InputType.convolutional(8, 8, 4);
        long[] denseIn = {3, 6};
        long[] imageIn = {2, 4, 8, 8};
        return List.of(
                new Subject("SpectralDense", () -> new SpectralDense.Builder().nOut(4), dense, denseIn),
                new Subject("GradientFlowDense", () -> new GradientFlowDense.Builder().nHidden(8), dense, denseIn),
                new Subject("SpectralConv2D", () -> new SpectralConv2D.Builder().outChannels(4), image, imageIn),
                new Subject("GradientFlowConv2D", () -> new GradientFlowConv2D.Builder().hiddenChannels(4), image,
                        imageIn),
                new Subject("SymplecticConv2D", () -> new SymplecticConv2D.Builder().hiddenChannels(4), image,
                        imageIn),
                new Subject("AolDense", () -> new AolDense.Builder().nOut(4), dense, denseIn),
                new Subject("SllDense", () -> new SllDense.Builder().nHidden(5), dense, denseIn),
                new Subject("BjorckDense", () -> new BjorckDense.Builder().nOut(4), dense, denseIn),
                new Subject("NormalizedRowsDense", () -> new NormalizedRowsDense.Builder().nOut(3), dense, denseIn),
                new Subject("AolConv2D", () -> new AolConv2D.Builder().outChannels(3), image, imageIn),
                new Subject("SllConv2D", () -> new SllConv2D.Builder().hiddenChannels(3), image, imageIn),
                new Subject("SkewOrthogonalConv2D", SkewOrthogonalConv2D.Builder::new, image, imageIn),
                new Subject("ScaledAveragePooling2D", ScaledAveragePooling2D.Builder::new, image, imageIn),
                new Subject("L2NormPooling2D", L2NormPooling2D.Builder::new, image, imageIn),
                new Subject("InvertibleDownsampling", InvertibleDownsampling.Builder::new, image, imageIn),
                new Subject("GroupSort", GroupSort.Builder::new, image, imageIn),
                new Subject("ConcatenatedRelu", ConcatenatedRelu.Builder::new, dense, denseIn),
                new Subject("ChannelEmbedding", () -> new ChannelEmbedding.Builder().outputChannels(6), image, imageIn),
                new Subject("GradientModule", () -> new GradientModule.Builder().width(5), dense, denseIn),
                new Subject("LinearModule", LinearModule.Builder::new, dense, denseIn),
                new Subject("ActivationModule", ActivationModule.Builder::new, dense, denseIn),
                new Subject("SeparableHamiltonianLayer", () -> new SeparableHamiltonianLayer.Builder().width(5), dense,
                        denseIn),
                new Subject("GeneralHamiltonianLayer", () -> new GeneralHamiltonianLayer.Builder().width(5), dense,
                        denseIn),
                new Subject("EulerResidual", () -> new EulerResidual.Builder().width(5), dense, denseIn),
                new Subject("VolumePreservingFlow", VolumePreservingFlow.Builder::new, dense, denseIn),
                new Subject("NormPreservingFlow", NormPreservingFlow.Builder::new, dense, denseIn),
                new Subject("NeuralOdeLayer", () -> new NeuralOdeLayer.Builder().hidden(4), dense, denseIn),
                new Subject("ContinuousNormalizingFlow", ContinuousNormalizingFlow.Builder::new,
                        InputType.feedForward(2), new long[]{3, 2}));
    }

    /** A configuration that is wrong as a whole (shapes, layouts, lists), what its message must name, and a run. */
    private record Structural(String layer, String description, String named, Supplier<INDArray> run) {
    }

    /** A one-layer network of {@code layer} on {@code type}, initialised and run on a random input of that shape. */
    private static INDArray network(Layer layer, InputType type, long... input) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .seed(1).list().layer(layer).setInputType(type).build());
        net.init();
        return net.output(Nd4j.randn(DataType.DOUBLE, input));
    }

    private static List<Structural> structuralCases() {
        InputType odd = InputType.feedForward(5);
        InputType threeChannels = InputType.convolutional(8, 8, 3);
        InputType nhwc = InputType.convolutional(8, 8, 4, org.deeplearning4j.nn.conf.CNN2DFormat.NHWC);
        List<Structural> cases = new ArrayList<>(List.of(
                new Structural("SymplecticConv2D", "odd channels", "3", () -> network(
                        new SymplecticConv2D.Builder().hiddenChannels(2).build(), threeChannels, 2, 3, 8, 8)),
                new Structural("SymplecticConv2D", "channels-last input", "NHWC", () -> network(
                        new SymplecticConv2D.Builder().hiddenChannels(2).build(), nhwc, 2, 8, 8, 4)),
                new Structural("GradientModule", "odd phase-space size", "5", () -> network(
                        new GradientModule.Builder().width(4).build(), odd, 2, 5)),
                new Structural("LinearModule", "odd phase-space size", "5", () -> network(
                        new LinearModule.Builder().build(), odd, 2, 5)),
                new Structural("ActivationModule", "odd phase-space size", "5", () -> network(
                        new ActivationModule.Builder().build(), odd, 2, 5)),
                new Structural("SeparableHamiltonianLayer", "odd phase-space size", "5", () -> network(
                        new SeparableHamiltonianLayer.Builder().width(4).build(), odd, 2, 5)),
                new Structural("GeneralHamiltonianLayer", "odd phase-space size", "5", () -> network(
                        new GeneralHamiltonianLayer.Builder().width(4).build(), odd, 2, 5)),
                new Structural("NeuralOdeLayer", "a zero hidden width", "[4, 0]", () -> network(
                        new NeuralOdeLayer.Builder().hidden(4, 0).build(), odd, 2, 5)),
                new Structural("NeuralOdeLayer", "no hidden layer", "hidden", () -> network(
                        new NeuralOdeLayer.Builder().hidden().build(), odd, 2, 5)),
                new Structural("NeuralOdeLayer", "times not increasing", "[1.0, 0.0]", () -> network(
                        new NeuralOdeLayer.Builder().times(1, 0).build(), odd, 2, 5)),
                new Structural("NeuralOdeLayer", "a NaN time", "NaN", () -> network(
                        new NeuralOdeLayer.Builder().times(0, Double.NaN).build(), odd, 2, 5)),
                new Structural("NeuralOdeLayer", "only a start time", "time", () -> network(
                        new NeuralOdeLayer.Builder().times(0).build(), odd, 2, 5)),
                new Structural("ContinuousNormalizingFlow", "a trajectory output", "TRAJECTORY", () -> network(
                        new ContinuousNormalizingFlow.Builder().ode(new NeuralOdeLayer.Builder()
                                .output(NeuralOdeLayer.Output.TRAJECTORY).build()).build(), odd, 2, 5)),
                new Structural("ContinuousNormalizingFlow", "a non-smooth activation", "RELU", () -> network(
                        new ContinuousNormalizingFlow.Builder().ode(new NeuralOdeLayer.Builder()
                                .activation(org.nd4j.linalg.activations.Activation.RELU).build()).build(), odd, 2,
                        5))));
        for (String layer : new String[]{"SpectralConv2D", "GradientFlowConv2D", "ChannelEmbedding"}) {
            Supplier<Layer> make = switch (layer) {
                case "SpectralConv2D" -> () -> new SpectralConv2D.Builder().outChannels(4).build();
                case "GradientFlowConv2D" -> () -> new GradientFlowConv2D.Builder().hiddenChannels(4).build();
                default -> () -> new ChannelEmbedding.Builder().outputChannels(6).build();
            };
            cases.add(new Structural(layer, "a feed-forward input", "FeedForward", () -> network(make.get(),
                    InputType.feedForward(16), 2, 16)));
        }
        return cases;
    }

    /** Setters declared by StructNet's builders (not DL4J's) that take one int, long or double. */
    private static List<Method> numericSetters(Class<?> builder) {
        List<Method> setters = new ArrayList<>();
        for (Class<?> c = builder; c != null && c.getName().startsWith("io.github.structnet"); c = c.getSuperclass()) {
            for (Method m : c.getDeclaredMethods()) {
                Class<?>[] p = m.getParameterTypes();
                if (Modifier.isPublic(m.getModifiers()) && !Modifier.isStatic(m.getModifiers()) && p.length == 1
                        && (p[0] == int.class || p[0] == long.class || p[0] == double.class)) {
                    setters.add(m);
                }
            }
        }
        return setters;
    }

    private static Object[] hostileValues(Class<?> type) {
        if (type == double.class) {
            return new Object[]{0.0, -1.0, -7.0, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
        }
        if (type == long.class) {
            return new Object[]{0L, -1L, -7L};
        }
        return new Object[]{0, -1, -7};
    }

    @Test
    void everyHostileValueIsRefusedByNameOrHarmless() throws Exception {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        int refused = 0;
        int accepted = 0;
        List<String> failures = new ArrayList<>();
        for (Subject s : subjects()) {
            assertTrue(Double.isFinite(run(s, null, null).sumNumber().doubleValue()), s.name() + " as given must run");
            for (Method setter : numericSetters(s.builder().get().getClass())) {
                for (Object value : hostileValues(setter.getParameterTypes()[0])) {
                    String what = s.name() + "." + setter.getName() + "(" + value + ")";
                    try {
                        INDArray out = run(s, setter, value);
                        if (!Double.isFinite(out.sumNumber().doubleValue())) {
                            failures.add(what + ": accepted, but the output is not finite");
                        }
                        accepted++;
                    } catch (IllegalArgumentException | IllegalStateException e) {
                        String message = String.valueOf(e.getMessage());
                        if (!message.contains(s.name()) || !names(message, value)) {
                            failures.add(what + ": message does not name the layer and the value: " + message);
                        }
                        refused++;
                    } catch (RuntimeException | Error e) {
                        failures.add(what + ": " + e);
                    }
                }
            }
        }
        for (Structural c : structuralCases()) {
            String what = c.layer() + ": " + c.description();
            try {
                c.run().get();
                failures.add(what + ": accepted");
            } catch (IllegalArgumentException | IllegalStateException | UnsupportedOperationException e) {
                String message = String.valueOf(e.getMessage());
                if (!message.contains(c.layer()) || !message.contains(c.named())) {
                    failures.add(what + ": message does not name the layer and " + c.named() + ": " + message);
                }
                refused++;
            } catch (RuntimeException | Error e) {
                failures.add(what + ": " + e);
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " of " + (refused + accepted) + " cases:\n"
                + String.join("\n", failures));
        assertTrue(refused >= 200, "only " + refused + " hostile values refused (" + accepted + " accepted)");
        System.out.printf("hostile configurations: %d builders, %d cases, %d refused by name, %d valid values run%n",
                subjects().size(), refused + accepted, refused, accepted);
    }

    /** Whether a message names a value, however the layer prints it (−1 as -1 or -1.0, ∞ as Infinity). */
    private static boolean names(String message, Object value) {
        if (message.contains(String.valueOf(value))) {
            return true;
        }
        double v = ((Number) value).doubleValue();
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return message.contains(String.valueOf((long) v)) || message.contains(String.valueOf(v));
        }
        return message.contains(String.valueOf(v)) || (Double.isNaN(v) && message.contains("NaN"))
                || (Double.isInfinite(v) && message.contains("Infinity"));
    }

    /**
     * Every layer as Spark ships a network: the configuration through JSON (the broadcast of SparkDl4jMultiLayer)
     * and through Java serialisation, the parameters as an array; the rebuilt network's output is bitwise the
     * original's.
     */
    @Test
    void everyLayerSurvivesJsonAndJavaSerialisation() throws Exception {
        for (Subject s : subjects()) {
            Layer layer = (Layer) s.builder().get().getClass().getMethod("build").invoke(s.builder().get());
            MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                    .dataType(DataType.DOUBLE).seed(1).list().layer(layer).setInputType(s.type()).build());
            net.init();
            INDArray x = Nd4j.randn(DataType.DOUBLE, s.input());
            INDArray expected = net.output(x);
            MultiLayerConfiguration viaJson = MultiLayerConfiguration.fromJson(net.getLayerWiseConfigurations()
                    .toJson());
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
                out.writeObject(net.getLayerWiseConfigurations());
            }
            MultiLayerConfiguration viaJava;
            try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(
                    new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
                viaJava = (MultiLayerConfiguration) in.readObject();
            }
            for (MultiLayerConfiguration conf : List.of(viaJson, viaJava)) {
                assertEquals(net.getLayerWiseConfigurations(), conf, s.name());
                MultiLayerNetwork copy = new MultiLayerNetwork(conf);
                if (net.numParams() > 0) {
                    copy.init(net.params().dup(), false);
                } else {
                    copy.init();
                }
                assertEquals(expected, copy.output(x), s.name());
            }
        }
    }

    private static INDArray run(Subject s, Method setter, Object value) throws Exception {
        Object builder = s.builder().get();
        try {
            if (setter != null) {
                setter.invoke(builder, value);
            }
            Layer layer = (Layer) builder.getClass().getMethod("build").invoke(builder);
            MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                    .dataType(DataType.DOUBLE).seed(1).list().layer(layer).setInputType(s.type()).build());
            net.init();
            return net.output(Nd4j.randn(DataType.DOUBLE, s.input()));
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw (Error) e.getCause();
        }
    }
}
