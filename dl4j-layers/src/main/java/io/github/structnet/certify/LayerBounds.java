package io.github.structnet.certify;

import io.github.structnet.lipschitz.LipschitzBounded;
import io.github.structnet.lipschitz.MaxMin;
import io.github.structnet.lipschitz.MonotoneActivations;
import io.github.structnet.spectral.GramIteration;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.CenterLossOutputLayer;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LocalResponseNormalization;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SpaceToDepthLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.Upsampling2D;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.conf.layers.objdetect.Yolo2OutputLayer;
import org.deeplearning4j.nn.conf.layers.convolutional.Cropping2D;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.CnnToRnnPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToRnnPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.RnnToCnnPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.RnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationELU;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.HashMap;
import java.util.Map;

/** Certified per-layer Lipschitz bounds for {@link NetworkLipschitz} (internal). */
final class LayerBounds {

    static final String SUPPORTED = "StructNet layers; DenseLayer, OutputLayer, CenterLossOutputLayer, LossLayer and"
            + " CnnLossLayer (monotone"
            + " 1-Lipschitz activation or softmax); ConvolutionLayer, Convolution1DLayer, Deconvolution2D,"
            + " DepthwiseConvolution2D and SeparableConvolution2D of any kernel, stride, padding, dilation and mode;"
            + " BatchNormalization; LocalResponseNormalization; ActivationLayer with a monotone 1-Lipschitz"
            + " activation, softmax or MaxMin; max, average and p-norm (p >= 1)"
            + " SubsamplingLayer of any geometry; Upsampling2D; max (or, with input types, average)"
            + " GlobalPoolingLayer; SpaceToDepthLayer, ZeroPaddingLayer, Cropping2D and DropoutLayer";

    private LayerBounds() {
    }

    /**
     * A sound bound of one layer at inference.
     *
     * @param input the layer's input type, or null when unknown (then layers whose bound depends on the input
     *              size are refused)
     * @param who   names the layer in messages
     */
    /** A bound and how it was obtained. */
    record Bound(double value, BoundMethod method) {
        static Bound closedForm(double value) {
            return new Bound(value, BoundMethod.CLOSED_FORM);
        }
    }

    static Bound of(Layer layer, InputType input, String who) {
        return of(layer.conf().getLayer(), layer.paramTable(), input, who);
    }

    private static Bound of(org.deeplearning4j.nn.conf.layers.Layer conf, Map<String, INDArray> params,
            InputType input, String who) {
        if (conf instanceof LipschitzBounded b) {
            return new Bound(b.lipschitzBound(params), BoundMethod.LAYER_CERTIFICATE);
        }
        if (conf instanceof DropoutLayer || conf instanceof SpaceToDepthLayer || conf instanceof ZeroPaddingLayer
                || conf instanceof Cropping2D) {
            return Bound.closedForm(1.0); // identity at inference, a permutation, an embedding, a projection
        }
        if (conf instanceof ActivationLayer a) {
            requireOneLipschitz(a.getActivationFn(), who);
            return Bound.closedForm(1.0);
        }
        if (conf instanceof LossLayer || conf instanceof CnnLossLayer) {
            requireOneLipschitz(((BaseLayer) conf).getActivationFn(), who);
            return Bound.closedForm(1.0);
        }
        if (conf instanceof DenseLayer || conf instanceof OutputLayer || conf instanceof CenterLossOutputLayer) {
            // the center loss only adds a training term: at inference the layer is activation(W x + b)
            requireOneLipschitz(((BaseLayer) conf).getActivationFn(), who);
            return new Bound(GramIteration.upperBound(params.get(DefaultParamInitializer.WEIGHT_KEY)),
                    BoundMethod.GRAM_ITERATION);
        }
        if (conf instanceof ConvolutionLayer c && ConvolutionBounds.CERTIFIED.contains(conf.getClass())) {
            requireOneLipschitz(c.getActivationFn(), who);
            return ConvolutionBounds.of(c, params, ConvolutionBounds.spatialInput(c, input, who));
        }
        if (conf instanceof SubsamplingLayer s && conf.getClass() == SubsamplingLayer.class) {
            return Bound.closedForm(PoolingBounds.of(s, who));
        }
        if (conf instanceof Upsampling2D u) {
            return Bound.closedForm(PoolingBounds.upsampling(u));
        }
        if (conf instanceof BatchNormalization bn) {
            return Bound.closedForm(batchNormScales(bn, params).amaxNumber().doubleValue());
        }
        if (conf instanceof LocalResponseNormalization lrn) {
            return Bound.closedForm(localResponseNormalization(lrn, who));
        }
        if (conf instanceof GlobalPoolingLayer g) {
            return Bound.closedForm(globalPooling(g, input, who));
        }
        if (conf instanceof Yolo2OutputLayer) {
            throw new IllegalArgumentException("NetworkLipschitz: " + who + " is not certified: it applies exp to the"
                    + " predicted box sizes, which has no global Lipschitz bound; certify up to its input instead");
        }
        throw new IllegalArgumentException("NetworkLipschitz: " + who
                + " has no certified Lipschitz bound; supported are "
                + SUPPORTED);
    }

    /** Whether {@code linear} is a layer whose output channels a following batch normalisation can be folded into. */
    static boolean foldable(org.deeplearning4j.nn.conf.layers.Layer linear) {
        return (linear.getClass() == DenseLayer.class || linear.getClass() == ConvolutionLayer.class)
                && ((BaseLayer) linear).getActivationFn() instanceof ActivationIdentity;
    }

    /**
     * The bound of batch normalisation applied after a {@link #foldable} dense or convolution layer, as one layer:
     * the inference-time scales γ/σ multiply the layer's output channels (its weights' columns, or first axis for a
     * convolution) and the product is bounded as a whole — never above the product of the two bounds, often far
     * below it.
     */
    static Bound folded(Layer linear, Layer batchNorm, InputType input, String who) {
        INDArray scales = batchNormScales((BatchNormalization) batchNorm.conf().getLayer(), batchNorm.paramTable());
        org.deeplearning4j.nn.conf.layers.Layer conf = linear.conf().getLayer();
        INDArray weights = linear.getParam(DefaultParamInitializer.WEIGHT_KEY).castTo(DataType.DOUBLE);
        INDArray scaled = conf instanceof DenseLayer
                ? weights.mulRowVector(scales.reshape(1, scales.length()).castTo(DataType.DOUBLE))
                : weights.mul(scales.castTo(DataType.DOUBLE).reshape(scales.length(), 1, 1, 1));
        Map<String, INDArray> params = new HashMap<>(linear.paramTable());
        params.put(DefaultParamInitializer.WEIGHT_KEY, scaled);
        return of(conf, params, input, who);
    }

    /**
     * |γ_c| / σ_c per channel at inference: σ = 10^{log10stdev} (DL4J's default parameterisation) or √(var + ε);
     * γ is the fixed setting when gamma and beta are locked.
     */
    private static INDArray batchNormScales(BatchNormalization bn, Map<String, INDArray> params) {
        INDArray std = bn.isUseLogStd()
                ? Transforms.exp(params.get(BatchNormalizationParamInitializer.GLOBAL_LOG_STD).castTo(DataType.DOUBLE)
                        .mul(Math.log(10)), false)
                : Transforms.sqrt(params.get(BatchNormalizationParamInitializer.GLOBAL_VAR).castTo(DataType.DOUBLE)
                        .add(bn.getEps()), false);
        INDArray gamma = bn.isLockGammaBeta() ? Nd4j.valueArrayOf(std.shape(), Math.abs(bn.getGamma()))
                : Transforms.abs(params.get(BatchNormalizationParamInitializer.GAMMA).castTo(DataType.DOUBLE), true);
        return gamma.divi(std);
    }

    /**
     * Local response normalisation b_i = a_i s_i^{−β}, s_i = k + α Σ_{j ∈ N(i)} a_j², per pixel, over the window N(i)
     * of channels within ⌊n/2⌋ of i (DL4J's window: w = 2⌊n/2⌋ + 1 channels, 5 for n = 4 as for n = 5). Its Jacobian is
     * diag(s^{−β}) minus E with E_ij = 2αβ a_i a_j s_i^{−β−1} for j ∈ N(i). Both |a_i| and |a_j| are at most
     * √((s_i − k)/α), so every entry of E is at most 2β (s_i − k) s_i^{−β−1} ≤ 2β c_β k^{−β} with
     * c_β = β^β / (1 + β)^{1+β} (the maximum over s ≥ k, at s = k(1 + β)/β); with Cauchy–Schwarz a row sums to at most
     * 2β c_β √w k^{−β} and a column to 2β c_β w k^{−β}, so Schur's bound gives ‖J‖ ≤ k^{−β}(1 + 2β c_β w^{3/4}).
     */
    private static double localResponseNormalization(LocalResponseNormalization lrn, String who) {
        if (!(lrn.getK() > 0) || !(lrn.getBeta() >= 0) || !(lrn.getAlpha() >= 0) || !(lrn.getN() >= 1)) {
            throw new IllegalArgumentException("NetworkLipschitz: " + who + " (k = " + lrn.getK() + ", alpha = "
                    + lrn.getAlpha() + ", beta = " + lrn.getBeta() + ", n = " + lrn.getN() + ") is not certified;"
                    + " the bound needs k > 0, alpha >= 0, beta >= 0 and n >= 1");
        }
        double beta = lrn.getBeta();
        double window = 2 * Math.floor(lrn.getN() / 2) + 1;
        double peak = Math.pow(beta, beta) / Math.pow(1 + beta, 1 + beta); // c_β; 1 for β = 0
        return Math.pow(lrn.getK(), -beta) * (1 + 2 * beta * peak * Math.pow(window, 0.75))
                * (1 + GramIteration.ROUNDING_MARGIN);
    }

    private static double globalPooling(GlobalPoolingLayer g, InputType input, String who) {
        if (g.getPoolingType() == PoolingType.MAX) {
            return 1.0;
        }
        if (g.getPoolingType() == PoolingType.AVG) {
            InputType.InputTypeConvolutional in = convolutionalInput(input, who);
            return 1.0 / Math.sqrt((double) in.getHeight() * in.getWidth());
        }
        throw new IllegalArgumentException("NetworkLipschitz: " + who + " uses " + g.getPoolingType()
                + " pooling, which is not certified; supported are MAX and AVG");
    }

    private static InputType.InputTypeConvolutional convolutionalInput(InputType input, String who) {
        if (input instanceof InputType.InputTypeConvolutional c) {
            return c;
        }
        throw new IllegalArgumentException("NetworkLipschitz: " + who + " needs its input size for a certified bound;"
                + " pass the network's input type(s) to NetworkLipschitz.upperBound (got " + input + ")");
    }

    /** The input type after a preprocessor, checking that it only reshapes (an isometry). */
    static InputType throughIsometry(InputPreProcessor pre, InputType type, String where) {
        if (pre == null) {
            return type;
        }
        if (pre instanceof CnnToFeedForwardPreProcessor || pre instanceof FeedForwardToCnnPreProcessor
                || pre instanceof RnnToFeedForwardPreProcessor || pre instanceof FeedForwardToRnnPreProcessor
                || pre instanceof CnnToRnnPreProcessor || pre instanceof RnnToCnnPreProcessor) {
            return type == null ? null : pre.getOutputType(type);
        }
        throw new IllegalArgumentException("NetworkLipschitz: input preprocessor " + pre.getClass().getSimpleName()
                + " of " + where + " is not a known reshape; its Lipschitz constant is not certified");
    }

    /**
     * Refuses activations that are not 1-Lipschitz; monotone ones with slopes in [0, 1], MaxMin and softmax (its
     * Jacobian diag(p) − p pᵀ has norm at most 1) pass.
     */
    static void requireOneLipschitz(IActivation fn, String who) {
        if (fn instanceof ActivationSoftmax) {
            return;
        }
        if (fn instanceof ActivationLReLU l && !(l.getAlpha() >= 0 && l.getAlpha() <= 1)
                || fn instanceof ActivationELU e && !(e.getAlpha() >= 0 && e.getAlpha() <= 1)) {
            throw new IllegalArgumentException("NetworkLipschitz: " + who + " uses " + fn
                    + "; its alpha must be in [0, 1] for a 1-Lipschitz activation");
        }
        if (fn instanceof MaxMin) {
            return; // a permutation on each region: 1-Lipschitz
        }
        for (Activation a : MonotoneActivations.ALLOWED) {
            if (a.getActivationFunction().getClass().equals(fn.getClass())) {
                return;
            }
        }
        throw new IllegalArgumentException("NetworkLipschitz: " + who + " uses activation " + fn
                + ", which is not certified 1-Lipschitz; allowed are " + MonotoneActivations.ALLOWED + " and SOFTMAX");
    }
}
