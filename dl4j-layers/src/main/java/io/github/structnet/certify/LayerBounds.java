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
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Deconvolution2D;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.conf.layers.SpaceToDepthLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.Upsampling2D;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
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
import java.util.Set;

/** Certified per-layer Lipschitz bounds for {@link NetworkLipschitz} (internal). */
final class LayerBounds {

    static final String SUPPORTED = "StructNet layers; DenseLayer, OutputLayer, LossLayer and CnnLossLayer (monotone"
            + " 1-Lipschitz activation or softmax); ConvolutionLayer, Deconvolution2D, DepthwiseConvolution2D and"
            + " SeparableConvolution2D of any kernel, stride, padding, dilation and mode; BatchNormalization;"
            + " ActivationLayer with a monotone 1-Lipschitz activation or MaxMin; max, average and p-norm (p >= 1)"
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
    static double of(Layer layer, InputType input, String who) {
        return of(layer.conf().getLayer(), layer.paramTable(), input, who);
    }

    private static double of(org.deeplearning4j.nn.conf.layers.Layer conf, Map<String, INDArray> params,
            InputType input, String who) {
        if (conf instanceof LipschitzBounded b) {
            return b.lipschitzBound(params);
        }
        if (conf instanceof DropoutLayer || conf instanceof SpaceToDepthLayer || conf instanceof ZeroPaddingLayer
                || conf instanceof Cropping2D) {
            return 1.0; // identity at inference, a permutation, an embedding, a projection
        }
        if (conf instanceof ActivationLayer a) {
            requireOneLipschitz(a.getActivationFn(), who, false);
            return 1.0;
        }
        if (conf instanceof LossLayer || conf instanceof CnnLossLayer) {
            requireOneLipschitz(((BaseLayer) conf).getActivationFn(), who, true);
            return 1.0;
        }
        if (conf instanceof DenseLayer || conf instanceof OutputLayer) {
            requireOneLipschitz(((BaseLayer) conf).getActivationFn(), who, conf instanceof OutputLayer);
            return GramIteration.upperBound(params.get(DefaultParamInitializer.WEIGHT_KEY));
        }
        if (conf instanceof ConvolutionLayer c && TWO_DIMENSIONAL.contains(conf.getClass())) {
            requireOneLipschitz(c.getActivationFn(), who, false);
            return ConvolutionBounds.of(c, params, convolutionalInput(input, who));
        }
        if (conf instanceof SubsamplingLayer s && conf.getClass() == SubsamplingLayer.class) {
            return PoolingBounds.of(s, who);
        }
        if (conf instanceof Upsampling2D u) {
            return PoolingBounds.upsampling(u);
        }
        if (conf instanceof BatchNormalization bn) {
            return batchNormScales(bn, params).amaxNumber().doubleValue();
        }
        if (conf instanceof GlobalPoolingLayer g) {
            return globalPooling(g, input, who);
        }
        throw new IllegalArgumentException("NetworkLipschitz: " + who
                + " has no certified Lipschitz bound; supported are "
                + SUPPORTED);
    }

    /** The 2-D convolution layers {@link ConvolutionBounds} certifies. */
    private static final Set<Class<?>> TWO_DIMENSIONAL = Set.of(ConvolutionLayer.class, Deconvolution2D.class,
            DepthwiseConvolution2D.class, SeparableConvolution2D.class);

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
    static double folded(Layer linear, Layer batchNorm, InputType input, String who) {
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
     * Refuses activations that are not 1-Lipschitz; softmax is allowed where {@code softmaxAllowed} (the last layer:
     * its Jacobian diag(p) − p pᵀ has norm at most 1).
     */
    static void requireOneLipschitz(IActivation fn, String who, boolean softmaxAllowed) {
        if (softmaxAllowed && fn instanceof ActivationSoftmax) {
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
                + ", which is not certified 1-Lipschitz; allowed are " + MonotoneActivations.ALLOWED
                + (softmaxAllowed ? " and SOFTMAX" : ""));
    }
}
