package io.github.structnet.certify;

import io.github.structnet.lipschitz.LipschitzBounded;
import io.github.structnet.lipschitz.MaxMin;
import io.github.structnet.lipschitz.MonotoneActivations;
import io.github.structnet.spectral.ConvolutionNorm;
import io.github.structnet.spectral.GramIteration;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SpaceToDepthLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.convolutional.Cropping2D;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.CnnToRnnPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToRnnPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.RnnToCnnPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.RnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationELU;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/** Certified per-layer Lipschitz bounds for {@link NetworkLipschitz} (internal). */
final class LayerBounds {

    static final String SUPPORTED = "StructNet layers; DenseLayer/OutputLayer/ConvolutionLayer (\"same\" geometry, "
            + "stride 1 or 2) and ActivationLayer with a monotone 1-Lipschitz activation or MaxMin; non-overlapping "
                    + "max or"
            + " average SubsamplingLayer; max (or, with input types, average) GlobalPoolingLayer; SpaceToDepthLayer,"
            + " ZeroPaddingLayer, Cropping2D and DropoutLayer";

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
        org.deeplearning4j.nn.conf.layers.Layer conf = layer.conf().getLayer();
        if (conf instanceof LipschitzBounded b) {
            return b.lipschitzBound(layer.paramTable());
        }
        if (conf instanceof DropoutLayer || conf instanceof SpaceToDepthLayer || conf instanceof ZeroPaddingLayer
                || conf instanceof Cropping2D) {
            return 1.0; // identity at inference, a permutation, an embedding, a projection
        }
        if (conf instanceof ActivationLayer a) {
            requireOneLipschitz(a.getActivationFn(), who);
            return 1.0;
        }
        if (conf instanceof DenseLayer || conf instanceof OutputLayer) {
            requireOneLipschitz(((BaseLayer) conf).getActivationFn(), who);
            return GramIteration.upperBound(layer.getParam(DefaultParamInitializer.WEIGHT_KEY));
        }
        if (conf instanceof ConvolutionLayer c && conf.getClass() == ConvolutionLayer.class) {
            requireOneLipschitz(c.getActivationFn(), who);
            return convolution(c, layer.getParam(ConvolutionParamInitializer.WEIGHT_KEY), input, who);
        }
        if (conf instanceof SubsamplingLayer s && conf.getClass() == SubsamplingLayer.class) {
            return pooling(s, who);
        }
        if (conf instanceof GlobalPoolingLayer g) {
            return globalPooling(g, input, who);
        }
        throw new IllegalArgumentException("NetworkLipschitz: " + who
                + " has no certified Lipschitz bound; supported are "
                + SUPPORTED);
    }

    private static double convolution(ConvolutionLayer c, INDArray weights, InputType input, String who) {
        int[] k = c.getKernelSize();
        int[] s = c.getStride();
        int[] p = c.getPadding();
        boolean same = c.getConvolutionMode() == ConvolutionMode.Same
                || s[0] == 1 && s[1] == 1 && p[0] == (k[0] - 1) / 2 && p[1] == (k[1] - 1) / 2;
        if (k[0] != k[1] || k[0] % 2 == 0 || s[0] != s[1] || s[0] > 2 || !same
                || c.getDilation()[0] != 1 || c.getDilation()[1] != 1) {
            throw new IllegalArgumentException("NetworkLipschitz: " + who + " (kernel " + Arrays.toString(k)
                    + ", stride "
                    + Arrays.toString(s) + ", padding " + Arrays.toString(p) + ", " + c.getConvolutionMode()
                    + ") is not certified; supported are square odd kernels, stride 1 or 2, no dilation, \"same\" zero"
                    + " padding");
        }
        InputType.InputTypeConvolutional in = convolutionalInput(input, who);
        // DL4J stores convolution weights [C′, C, k, k]; the bound takes [k, k, C, C′]
        INDArray kernel = weights.permute(2, 3, 1, 0).dup();
        return ConvolutionNorm.upperBound(kernel, s[0], in.getHeight(), in.getWidth());
    }

    private static double pooling(SubsamplingLayer s, String who) {
        int[] k = s.getKernelSize();
        int[] st = s.getStride();
        int[] p = s.getPadding();
        boolean disjoint = k[0] == st[0] && k[1] == st[1] && p[0] == 0 && p[1] == 0
                && s.getConvolutionMode() != ConvolutionMode.Same;
        if (disjoint && s.getPoolingType() == PoolingType.MAX) {
            return 1.0; // the max of each window is 1-Lipschitz and windows are disjoint
        }
        if (disjoint && s.getPoolingType() == PoolingType.AVG) {
            return 1.0 / Math.sqrt((double) k[0] * k[1]); // the mean of m values has norm 1/√m
        }
        throw new IllegalArgumentException("NetworkLipschitz: " + who + " (" + s.getPoolingType() + ", kernel "
                + Arrays.toString(k) + ", stride " + Arrays.toString(st) + ", padding " + Arrays.toString(p)
                + ") is not certified; supported are max and average pooling with kernel = stride and no padding");
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

    static void requireOneLipschitz(IActivation fn, String who) {
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
                + ", which is not certified 1-Lipschitz; allowed are " + MonotoneActivations.ALLOWED);
    }
}
