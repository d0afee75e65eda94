package io.github.structnet.certify;

import io.github.structnet.spectral.ConvolutionNorm;
import io.github.structnet.spectral.GramIteration;
import io.github.structnet.spectral.SpectralNorm;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Convolution1DLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Deconvolution2D;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Map;
import java.util.Set;

/**
 * Certified bounds of DL4J's convolution layers of any geometry (internal to {@link NetworkLipschitz}).
 * <p><b>Small operators</b> (C·H·W ≤ {@link ConvolutionNorm#EXACT_LIMIT}): exact, from the layer's own forward pass
 * on Dirac inputs. <b>1×1 kernels</b>: Gram iteration on the C×C′ matrix. <b>"Same", stride 1 or 2, square odd
 * kernel, no dilation</b>: {@link ConvolutionNorm#fourierBound} on the input size.
 * <p><b>Any other geometry</b> (any kernel shape, stride, padding, dilation, {@link ConvolutionMode}): every output of
 * a zero-padded, strided, dilated convolution of an H×W input is an output of the full stride-1 convolution with the
 * dilated kernel (k_eff = (k − 1)d + 1), and that full convolution is a block of the circular convolution on an
 * N×N′ torus with N ≥ H + K − 1 (K the dilated kernel padded with zeros to an odd square), where nothing wraps. Taking
 * rows of an operator and restricting its domain never raises its norm, so
 * <pre>
 *   ‖conv‖₂ ≤ max_ω ‖K̂(ω)‖₂   over the frequencies of that torus   ({@link ConvolutionNorm#fourierBound}, stride 1)
 * </pre>
 * The transposed convolution ({@code Deconvolution2D}) is the adjoint of a strided convolution of its output, with the
 * same norm; a depthwise convolution is block-diagonal over input channels (the largest block's bound); a separable
 * one (depthwise, then 1×1) is one ordinary convolution, whose kernel is formed and bounded as above; a 1-D
 * convolution (causal or not) of a length-T sequence is the T×1 case.
 */
final class ConvolutionBounds {

    /** The convolution layers certified here (2-D, and 1-D as H = T, W = 1). */
    static final Set<Class<?>> CERTIFIED = Set.of(ConvolutionLayer.class, Deconvolution2D.class,
            DepthwiseConvolution2D.class, SeparableConvolution2D.class, Convolution1DLayer.class);

    private ConvolutionBounds() {
    }

    /** The layer's input as H×W×C: a 1-D convolution's [C, T] sequence is T×1×C. */
    static InputType.InputTypeConvolutional spatialInput(ConvolutionLayer c, InputType input, String who) {
        if (c instanceof Convolution1DLayer && input instanceof InputType.InputTypeRecurrent r
                && r.getTimeSeriesLength() > 0) {
            return (InputType.InputTypeConvolutional) InputType.convolutional(r.getTimeSeriesLength(), 1, r.getSize());
        }
        if (input instanceof InputType.InputTypeConvolutional conv) {
            return conv;
        }
        throw new IllegalArgumentException("NetworkLipschitz: " + who + " needs its input size for a certified bound;"
                + " pass the network's input type(s) to NetworkLipschitz (got " + input
                + (c instanceof Convolution1DLayer ? "; a 1-D convolution needs a recurrent type of known length" : "")
                + ")");
    }

    /**
     * A sound bound of a convolution layer at the given input size: 1×1 kernels by Gram iteration on their C×C′
     * matrix (exact but for the iteration's margin: every kept pixel applies the same matrix); operators with
     * C·H·W ≤ {@link ConvolutionNorm#EXACT_LIMIT} exactly, from the layer's own forward pass on Dirac inputs; larger
     * ones by the Fourier bounds of the class documentation.
     */
    static LayerBounds.Bound of(ConvolutionLayer c, Map<String, INDArray> params, InputType.InputTypeConvolutional in) {
        int[] k = c.getKernelSize();
        int[] s = c.getStride();
        int[] d = c.getDilation();
        long h = in.getHeight();
        long w = in.getWidth();
        INDArray weights = params.get("W");
        boolean ordinary = !(c instanceof Deconvolution2D) && !(c instanceof DepthwiseConvolution2D);
        INDArray kernel = !ordinary ? null : c instanceof SeparableConvolution2D
                ? separableAsOneKernel(weights, params.get("pW"))
                : weights.permute(2, 3, 1, 0); // [C′, C, kh, kw] → [kh, kw, C, C′]
        if (ordinary && kernel.size(0) == 1 && kernel.size(1) == 1) {
            return new LayerBounds.Bound(GramIteration.upperBound(kernel.reshape(kernel.size(2), kernel.size(3))),
                    BoundMethod.GRAM_ITERATION);
        }
        if (in.getChannels() * h * w <= ConvolutionNorm.EXACT_LIMIT) {
            return new LayerBounds.Bound(exact(c, params, in), BoundMethod.EXACT);
        }
        if (c instanceof Deconvolution2D) {
            // [C, C′, kh, kw]; the adjoint of a convolution of the (larger) output
            InputType.InputTypeConvolutional out = (InputType.InputTypeConvolutional) c.getOutputType(-1, in);
            return fourier(fullConvolution(weights.permute(2, 3, 0, 1), d, out.getHeight(), out.getWidth()));
        }
        if (c instanceof DepthwiseConvolution2D) {
            return fourier(depthwise(weights, d, h, w)); // [kh, kw, C, multiplier]
        }
        boolean same = c.getConvolutionMode() == ConvolutionMode.Same || s[0] == 1 && s[1] == 1
                && c.getPadding()[0] == (k[0] - 1) / 2 && c.getPadding()[1] == (k[1] - 1) / 2;
        if (same && k[0] == k[1] && k[0] % 2 == 1 && s[0] == s[1] && s[0] <= 2 && d[0] == 1 && d[1] == 1
                && !(c instanceof Convolution1DLayer)) {
            return fourier(ConvolutionNorm.fourierBound(kernel.dup(), s[0], h, w));
        }
        return fourier(fullConvolution(kernel, d, h, w));
    }

    private static LayerBounds.Bound fourier(double value) {
        return new LayerBounds.Bound(value, BoundMethod.FOURIER);
    }

    /**
     * ‖linear part‖₂ exactly: the layer's configuration with identity activation and no bias, run by DL4J on the
     * C·H·W Dirac inputs, gives the operator's dense matrix, whose largest singular value is widened by a relative
     * 1e-8 for rounding.
     */
    static double exact(ConvolutionLayer c, Map<String, INDArray> params, InputType.InputTypeConvolutional in) {
        ConvolutionLayer linear = (ConvolutionLayer) c.clone();
        linear.setActivationFn(new ActivationIdentity());
        linear.setHasBias(false);
        linear.setLayerName("linear part");
        InputType type = c instanceof Convolution1DLayer
                ? InputType.recurrent(in.getChannels(), in.getHeight()) : in;
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .list().layer(linear).setInputType(type).build());
        net.init();
        for (Map.Entry<String, INDArray> p : net.getLayer(0).paramTable().entrySet()) {
            p.getValue().assign(params.get(p.getKey()).castTo(DataType.DOUBLE));
        }
        int n = (int) (in.getChannels() * in.getHeight() * in.getWidth());
        INDArray diracs = Nd4j.eye(n).castTo(DataType.DOUBLE).reshape('c', exampleShape(n, type));
        INDArray columns = net.output(diracs, false).reshape('c', n, -1);
        return SpectralNorm.exact(columns) * (1.0 + ConvolutionNorm.EXACT_MARGIN);
    }

    /** [n, …] shape of n examples of the given input type, in its own layout. */
    private static long[] exampleShape(long n, InputType type) {
        long[] one = type.getShape(false);
        long[] shape = new long[one.length + 1];
        shape[0] = n;
        System.arraycopy(one, 0, shape, 1, one.length);
        return shape;
    }

    /**
     * The one kernel [kh, kw, C, C′] of a separable convolution: K[·, ·, c, o] = Σ_j D[j, c, ·, ·] P[o, c·m + j] for
     * depthwise weights D [m, C, kh, kw] and pointwise weights P [C′, C·m, 1, 1] (depthwise output channel c·m + j).
     */
    private static INDArray separableAsOneKernel(INDArray depthwise, INDArray pointwise) {
        long m = depthwise.size(0);
        long channels = depthwise.size(1);
        long kh = depthwise.size(2);
        long kw = depthwise.size(3);
        long out = pointwise.size(0);
        INDArray taps = depthwise.castTo(DataType.DOUBLE).permute(2, 3, 1, 0).dup('c').reshape(kh * kw, channels, m);
        INDArray mixing = pointwise.castTo(DataType.DOUBLE).dup('c').reshape(out, channels, m);
        INDArray kernel = Nd4j.create(DataType.DOUBLE, kh * kw, channels, out);
        for (long c = 0; c < channels; c++) {
            INDArray tap = taps.get(NDArrayIndex.all(), NDArrayIndex.point(c), NDArrayIndex.all()).dup();
            INDArray mix = mixing.get(NDArrayIndex.all(), NDArrayIndex.point(c), NDArrayIndex.all()).dup();
            kernel.get(NDArrayIndex.all(), NDArrayIndex.point(c), NDArrayIndex.all()).assign(tap.mmul(mix.transpose()));
        }
        return kernel.reshape(kh, kw, channels, out);
    }

    /** The largest bound over input channels of a depthwise kernel [kh, kw, C, multiplier]. */
    private static double depthwise(INDArray kernel, int[] dilation, long h, long w) {
        double worst = 0;
        for (long channel = 0; channel < kernel.size(2); channel++) {
            INDArray block = kernel.get(NDArrayIndex.all(), NDArrayIndex.all(),
                    NDArrayIndex.interval(channel, channel + 1), NDArrayIndex.all()).dup();
            worst = Math.max(worst, fullConvolution(block, dilation, h, w));
        }
        return worst;
    }

    /**
     * The torus bound of the full stride-1 convolution of an H×W input with the dilated kernel [kh, kw, C, C′],
     * zero-padded to an odd square K, on the N×N′ = (H + K − 1)×(W + K − 1) torus.
     */
    static double fullConvolution(INDArray kernel, int[] dilation, long h, long w) {
        long kh = (kernel.size(0) - 1) * dilation[0] + 1;
        long kw = (kernel.size(1) - 1) * dilation[1] + 1;
        long side = Math.max(kh, kw) | 1; // odd
        INDArray square = Nd4j.zeros(DataType.DOUBLE, side, side, kernel.size(2), kernel.size(3));
        INDArray source = kernel.castTo(DataType.DOUBLE).dup('c');
        for (long i = 0; i < kernel.size(0); i++) {
            for (long j = 0; j < kernel.size(1); j++) {
                square.get(NDArrayIndex.point(i * dilation[0]), NDArrayIndex.point(j * dilation[1]),
                        NDArrayIndex.all(), NDArrayIndex.all())
                        .assign(source.get(NDArrayIndex.point(i), NDArrayIndex.point(j), NDArrayIndex.all(),
                                NDArrayIndex.all()));
            }
        }
        // fourierBound's torus for a stride-1 "same" convolution of side n is n + (K − 1)/2: pass n = H + (K − 1)/2
        long half = (side - 1) / 2;
        return ConvolutionNorm.fourierBound(square, 1, h + half, w + half);
    }
}
