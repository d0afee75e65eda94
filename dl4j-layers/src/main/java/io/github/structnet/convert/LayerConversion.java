package io.github.structnet.convert;

import io.github.structnet.certify.NetworkLipschitz;
import io.github.structnet.lipschitz.LipschitzBounded;
import io.github.structnet.lipschitz.MaxMin;
import io.github.structnet.lipschitz.SpectralConv2D;
import io.github.structnet.lipschitz.SpectralDense;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LocalResponseNormalization;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.conf.layers.convolutional.Cropping2D;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.samediff.AbstractSameDiffLayer;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.ILossFunction;

import java.util.ArrayList;
import java.util.List;

/**
 * What one layer of an ordinary DL4J network becomes in its 1-Lipschitz counterpart (shared by the
 * {@link LipschitzConverter}'s network and graph routes). Each rule keeps the layer's role and makes its ℓ2 Lipschitz
 * constant at most 1:
 * <ul>
 *   <li>{@code DenseLayer} → {@link SpectralDense} (W / ‖W‖₂) followed by its activation;</li>
 *   <li>{@code OutputLayer} → {@link SpectralDense} followed by a {@code LossLayer} with the same loss and
 *       activation;</li>
 *   <li>{@code ConvolutionLayer} with an odd square kernel, equal strides 1 or 2 and no dilation →
 *       {@link SpectralConv2D} ("same" zero padding; a different geometry is reported) followed by its
 *       activation;</li>
 *   <li>max pooling: disjoint windows (kernel = stride, no padding) are kept, overlapping ones become disjoint
 *       max pooling with the same stride (norm 1); average pooling with disjoint windows is kept (norm 1/k);</li>
 *   <li>{@code BatchNormalization} and {@code LocalResponseNormalization} are removed (a trained normalisation can
 *       scale by far more than 1; the certified network is trained without it);</li>
 *   <li>activations are kept when 1-Lipschitz (or ReLU swapped for {@link MaxMin} on request), others refused;</li>
 *   <li>dropout, zero padding, cropping, global pooling, loss layers and StructNet's own certified layers are
 *       kept; the new layers keep the replaced layer's updater, dropout and regularisation.</li>
 * </ul>
 * Anything else is refused by name with the list of what is supported.
 */
final class LayerConversion {

    static final String SUPPORTED = "DenseLayer, OutputLayer, ConvolutionLayer (odd square kernel, stride 1 or 2, no"
            + " dilation), SubsamplingLayer (max, average), BatchNormalization and LocalResponseNormalization"
            + " (removed), ActivationLayer, DropoutLayer, ZeroPaddingLayer, Cropping2D, GlobalPoolingLayer, LossLayer,"
            + " CnnLossLayer and StructNet's certified layers";

    /** The layers that replace one original layer, in order, and which of them inherits its parameters. */
    record Converted(List<Layer> layers, int parameterHeir) {
        static Converted kept(Layer layer) {
            return new Converted(List.of(layer), 0);
        }

        static Converted removed() {
            return new Converted(List.of(), -1);
        }
    }

    private final boolean maxMin;
    private final ILossFunction loss;
    private final IUpdater updater;

    /**
     * @param maxMin  swap ReLU for MaxMin
     * @param loss    the loss of converted output layers, or null to keep each layer's own
     * @param updater the updater of the new layers, or null to keep the replaced layer's
     */
    LayerConversion(boolean maxMin, ILossFunction loss, IUpdater updater) {
        this.maxMin = maxMin;
        this.loss = loss;
        this.updater = updater;
    }

    private static String described(String who, Layer layer) {
        return who + " (" + layer.getClass().getSimpleName() + ")";
    }

    Converted convert(Layer layer, String who, List<Replacement> report) {
        if (layer instanceof LipschitzBounded) {
            return Converted.kept(layer.clone());
        }
        if (layer instanceof OutputLayer o) {
            SpectralDense linear = dense(o);
            LossLayer lossLayer = new LossLayer.Builder(loss == null ? o.getLossFn() : loss)
                    .activation(outputActivation(o, who)).build();
            report.add(new Replacement(described(who, layer), "SpectralDense + LossLayer"
                    + (loss == null ? "" : " (" + loss + ")"), "W normalised by its spectral norm; the loss and the"
                    + " output activation move to a parameter-free loss layer"));
            return new Converted(List.of(linear, lossLayer), 0);
        }
        if (layer instanceof BaseOutputLayer) {
            throw refused(who, layer, "only OutputLayer among output layers with weights");
        }
        if (layer instanceof DenseLayer d) {
            SpectralDense linear = dense(d);
            report.add(new Replacement(described(who, layer), withActivation("SpectralDense", d.getActivationFn()),
                    "W normalised by its spectral norm"));
            return new Converted(withActivationLayer(linear, d.getActivationFn(), who), 0);
        }
        if (layer instanceof ConvolutionLayer c && c.getClass() == ConvolutionLayer.class) {
            return convolution(c, who, report);
        }
        if (layer instanceof SubsamplingLayer s && s.getClass() == SubsamplingLayer.class) {
            return pooling(s, who, report);
        }
        if (layer instanceof BatchNormalization || layer instanceof LocalResponseNormalization) {
            report.add(new Replacement(described(who, layer), "removed", layer.getClass().getSimpleName()
                    + " can scale by more than 1; the certified network is trained without it"));
            return Converted.removed();
        }
        if (layer instanceof ActivationLayer a) {
            return new Converted(List.of(activationLayer(a.getActivationFn(), who, report)), -1);
        }
        if (layer instanceof LossLayer || layer instanceof CnnLossLayer) {
            outputActivation((BaseLayer) layer, who);
            return Converted.kept(layer.clone());
        }
        if (layer instanceof DropoutLayer || layer instanceof ZeroPaddingLayer || layer instanceof Cropping2D
                || layer instanceof GlobalPoolingLayer) {
            return new Converted(List.of(layer.clone()), -1);
        }
        throw refused(who, layer, "no 1-Lipschitz counterpart is defined");
    }

    private SpectralDense dense(FeedForwardLayer d) {
        SpectralDense.Builder b = new SpectralDense.Builder().nOut(d.getNOut()).hasBias(hasBias(d));
        carryTrainingSettings(d, b);
        return b.build();
    }

    private Converted convolution(ConvolutionLayer c, String who, List<Replacement> report) {
        int[] k = c.getKernelSize();
        int[] s = c.getStride();
        int[] d = c.getDilation();
        if (k[0] != k[1] || k[0] % 2 == 0 || s[0] != s[1] || (s[0] != 1 && s[0] != 2) || d[0] != 1 || d[1] != 1) {
            throw refused(who, c, "kernel " + k[0] + "x" + k[1] + ", stride " + s[0] + "x" + s[1] + ", dilation "
                    + d[0] + "x" + d[1] + "; SpectralConv2D needs an odd square kernel, equal strides 1 or 2 and no"
                    + " dilation");
        }
        SpectralConv2D.Builder b = new SpectralConv2D.Builder().outChannels(c.getNOut()).kernelSize(k[0])
                .stride(s[0]).hasBias(c.hasBias());
        carryTrainingSettings(c, b);
        int[] p = c.getPadding();
        boolean same = c.getConvolutionMode() == ConvolutionMode.Same
                || p[0] == k[0] / 2 && p[1] == k[1] / 2 && s[0] == 1;
        report.add(new Replacement(described(who, c), withActivation("SpectralConv2D", c.getActivationFn()),
                "K normalised by its operator norm on the input size" + (same ? ""
                        : "; geometry changed from " + c.getConvolutionMode() + " mode with padding " + p[0] + "x"
                        + p[1] + " to 'same' zero padding (output ⌈H/s⌉×⌈W/s⌉)")));
        return new Converted(withActivationLayer(b.build(), c.getActivationFn(), who), 0);
    }

    private static Converted pooling(SubsamplingLayer s, String who, List<Replacement> report) {
        int[] k = s.getKernelSize();
        int[] st = s.getStride();
        int[] p = s.getPadding();
        boolean kernelIsStride = k[0] == st[0] && k[1] == st[1];
        boolean disjoint = kernelIsStride && p[0] == 0 && p[1] == 0 && s.getConvolutionMode() != ConvolutionMode.Same;
        if (disjoint && (s.getPoolingType() == PoolingType.MAX || s.getPoolingType() == PoolingType.AVG)) {
            return new Converted(List.of(s.clone()), -1);
        }
        if (s.getPoolingType() != PoolingType.MAX) {
            throw refused(who, s, s.getPoolingType() + " pooling over overlapping or padded windows; only max pooling"
                    + " can be made disjoint");
        }
        SubsamplingLayer disjointMax = new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(st[0], st[1])
                .stride(st[0], st[1]).convolutionMode(ConvolutionMode.Truncate).build();
        String why = kernelIsStride
                ? "'same' mode or padding can make windows overlap at the border; truncated windows of the same size"
                + " are disjoint (norm 1)"
                : "max pooling over " + k[0] + "x" + k[1] + " windows with stride " + st[0] + "x" + st[1] + " lets a"
                + " pixel reach several windows (norm above 1); disjoint windows with the same stride have norm 1";
        report.add(new Replacement(described(who, s), "SubsamplingLayer (max, " + st[0] + "x" + st[1] + ", stride "
                + st[0] + "x" + st[1] + ")", why));
        return new Converted(List.of(disjointMax), -1);
    }

    private List<Layer> withActivationLayer(Layer linear, IActivation fn, String who) {
        List<Layer> layers = new ArrayList<>(List.of(linear));
        if (!(fn instanceof ActivationIdentity)) {
            layers.add(activationLayer(fn, who, null));
        }
        return layers;
    }

    private Layer activationLayer(IActivation fn, String who, List<Replacement> report) {
        if (maxMin && fn instanceof ActivationReLU) {
            if (report != null) {
                report.add(new Replacement(who + " (ReLU)", "ActivationLayer (MaxMin)", "ReLU swapped for MaxMin"
                        + " (gradient norm preserving, needs an even number of channels)"));
            }
            return new ActivationLayer.Builder().activation(new MaxMin()).build();
        }
        if (fn instanceof ActivationSoftmax || !NetworkLipschitz.isOneLipschitz(fn)) {
            throw new IllegalArgumentException("LipschitzConverter: " + who + " uses activation " + fn
                    + ", which is not 1-Lipschitz element-wise; allowed are the monotone activations with slopes in"
                    + " [0, 1] and MaxMin (softmax only on an output layer)");
        }
        return new ActivationLayer.Builder().activation(fn).build();
    }

    private String withActivation(String linear, IActivation fn) {
        if (fn instanceof ActivationIdentity) {
            return linear;
        }
        return linear + " + ActivationLayer (" + (maxMin && fn instanceof ActivationReLU ? "MaxMin" : fn) + ")";
    }

    private static IActivation outputActivation(BaseLayer layer, String who) {
        IActivation fn = layer.getActivationFn();
        if (!NetworkLipschitz.isOneLipschitz(fn)) {
            throw new IllegalArgumentException("LipschitzConverter: " + who + " uses output activation " + fn
                    + ", which is not 1-Lipschitz; allowed are softmax and the monotone activations with slopes in"
                    + " [0, 1]");
        }
        return fn;
    }

    private static boolean hasBias(FeedForwardLayer d) {
        return !(d instanceof DenseLayer dense) || dense.hasBias();
    }

    /** The replaced layer's updater (unless one was chosen), dropout and weight and bias regularisation. */
    private void carryTrainingSettings(BaseLayer from, AbstractSameDiffLayer.Builder<?> to) {
        IUpdater chosen = updater == null ? from.getIUpdater() : updater;
        if (chosen != null) {
            to.updater(chosen.clone());
        }
        if (from.getIDropout() != null) {
            to.dropOut(from.getIDropout().clone());
        }
        if (from.getRegularization() != null && !from.getRegularization().isEmpty()) {
            to.regularization(new ArrayList<>(from.getRegularization()));
        }
        if (from.getRegularizationBias() != null && !from.getRegularizationBias().isEmpty()) {
            to.regularizationBias(new ArrayList<>(from.getRegularizationBias()));
        }
    }

    private static IllegalArgumentException refused(String who, Layer layer, String why) {
        return new IllegalArgumentException("LipschitzConverter: " + described(who, layer) + ": " + why
                + "; supported are " + SUPPORTED);
    }
}
