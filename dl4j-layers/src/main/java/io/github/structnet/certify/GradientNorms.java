package io.github.structnet.certify;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

/**
 * How gradients travel through depth: ‖∂L/∂x_l‖₂ at the input x_l of every layer, for an incoming gradient ε at
 * the output (backpropagated layer by layer, training mode).
 */
public final class GradientNorms {

    private GradientNorms() {
    }

    /**
     * @param net a network without an output layer
     * @param x   a batch of inputs
     * @param eps ∂L/∂(output), same shape as the output
     * @return norms[l] = ‖∂L/∂x_l‖ for l = 0 … L−1 (input of layer l), and norms[L] = ‖ε‖
     */
    public static double[] perLayer(MultiLayerNetwork net, INDArray x, INDArray eps) {
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        if (net.getFlattenedGradients() == null) {
            net.initGradientsView();
        }
        List<INDArray> acts = net.feedForward(x, true);
        int layers = net.getnLayers();
        double[] norms = new double[layers + 1];
        INDArray g = eps;
        norms[layers] = g.norm2Number().doubleValue();
        for (int l = layers - 1; l >= 0; l--) {
            Layer layer = net.getLayer(l);
            layer.setInput(acts.get(l), mgr);
            g = layer.backpropGradient(g, mgr).getSecond();
            norms[l] = g.norm2Number().doubleValue();
        }
        net.clear();
        return norms;
    }
}
