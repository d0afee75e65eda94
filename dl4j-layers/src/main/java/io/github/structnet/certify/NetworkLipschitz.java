package io.github.structnet.certify;

import io.github.structnet.lipschitz.MonotoneActivations;
import io.github.structnet.spectral.GramIteration;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationELU;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.CnnToRnnPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToRnnPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.RnnToCnnPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.RnnToFeedForwardPreProcessor;

/**
 * A sound upper bound of the Lipschitz constant (ℓ2) of the first layers of a network: the product of
 * certified per-layer bounds.
 * <ul>
 *   <li>layers implementing {@link LipschitzBounded} (StructNet layers) give their own bound;</li>
 *   <li>DL4J {@link DenseLayer} / {@link OutputLayer} with a monotone 1-Lipschitz activation give
 *       {@link GramIteration#upperBound} of W;</li>
 *   <li>{@link ActivationLayer} with such an activation or {@link io.github.structnet.lipschitz.MaxMin}, and
 *       {@link DropoutLayer} (identity at inference), give 1;</li>
 *   <li>input preprocessors that only reshape are isometries.</li>
 * </ul>
 * Any other layer is refused by name: a bound that is not certified is not returned.
 */
public final class NetworkLipschitz {

    private NetworkLipschitz() {
    }

    /** The bound for layers 0…lastLayer (inclusive) of a network, for example up to the logits. */
    public static double upperBound(MultiLayerNetwork net, int lastLayer) {
        if (lastLayer < 0 || lastLayer >= net.getnLayers()) {
            throw new IllegalArgumentException("NetworkLipschitz: lastLayer " + lastLayer + " is outside [0, "
                    + net.getnLayers() + ")");
        }
        double bound = 1.0;
        for (int i = 0; i <= lastLayer; i++) {
            requireIsometry(net.getLayerWiseConfigurations().getInputPreProcess(i), i);
            bound *= layerBound(net.getLayer(i), i);
        }
        return bound;
    }

    private static double layerBound(Layer layer, int index) {
        org.deeplearning4j.nn.conf.layers.Layer conf = layer.conf().getLayer();
        String who = conf.getClass().getSimpleName() + " (layer " + index
                + (conf.getLayerName() == null ? "" : " '" + conf.getLayerName() + "'") + ")";
        if (conf instanceof LipschitzBounded) {
            return ((LipschitzBounded) conf).lipschitzBound(layer.paramTable());
        }
        if (conf instanceof DropoutLayer) {
            return 1.0;
        }
        if (conf instanceof ActivationLayer) {
            requireOneLipschitz(((ActivationLayer) conf).getActivationFn(), who);
            return 1.0;
        }
        if (conf instanceof DenseLayer || conf instanceof OutputLayer) {
            requireOneLipschitz(((BaseLayer) conf).getActivationFn(), who);
            return GramIteration.upperBound(layer.getParam(DefaultParamInitializer.WEIGHT_KEY));
        }
        throw new IllegalArgumentException("NetworkLipschitz: " + who + " has no certified Lipschitz bound; supported are "
                + "StructNet layers, DenseLayer/OutputLayer/ActivationLayer with a monotone 1-Lipschitz activation, "
                + "and DropoutLayer");
    }

    private static void requireIsometry(InputPreProcessor pre, int index) {
        if (pre == null || pre instanceof CnnToFeedForwardPreProcessor || pre instanceof FeedForwardToCnnPreProcessor
                || pre instanceof RnnToFeedForwardPreProcessor || pre instanceof FeedForwardToRnnPreProcessor
                || pre instanceof CnnToRnnPreProcessor || pre instanceof RnnToCnnPreProcessor) {
            return;
        }
        throw new IllegalArgumentException("NetworkLipschitz: input preprocessor " + pre.getClass().getSimpleName()
                + " of layer " + index + " is not a known reshape; its Lipschitz constant is not certified");
    }

    private static void requireOneLipschitz(IActivation fn, String who) {
        if (fn instanceof ActivationLReLU && !(((ActivationLReLU) fn).getAlpha() >= 0 && ((ActivationLReLU) fn).getAlpha() <= 1)
                || fn instanceof ActivationELU && !(((ActivationELU) fn).getAlpha() >= 0 && ((ActivationELU) fn).getAlpha() <= 1)) {
            throw new IllegalArgumentException("NetworkLipschitz: " + who + " uses " + fn
                    + "; its alpha must be in [0, 1] for a 1-Lipschitz activation");
        }
        if (fn instanceof io.github.structnet.lipschitz.MaxMin) {
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
