package io.github.structnet.keras;

import org.deeplearning4j.nn.modelimport.keras.exceptions.InvalidKerasConfigurationException;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The kernel a deel-lip dense or convolution layer runs at inference (internal). deel-lip keeps it as an extra,
 * unnamed weight of the kernel's shape, written at each training step; it is used as stored. Files without it (a
 * layer saved before its first call) get it recomputed from the raw kernel as deel-lip's training-mode call does:
 * <pre>
 *   spectral:   W ← reshape(kernel, [−1, units]);  σ ← power iteration from u = sn;  W ← W / (σ + ε);
 *               Björck: W ← (1 + β) W − β W WᵀW  until ‖ΔW‖ &lt; ε_B;  W ← coef · W
 *   Frobenius:  W ← coef · kernel / ‖kernel‖_F   (per output column if disjoint_neurons)
 * </pre>
 * in double precision. Either way the result is only what is run; the bound is computed afterwards.
 */
final class InferenceKernel {

    /** The weight names deel-lip gives its Lipschitz layers, besides the unnamed inference kernel. */
    private static final Set<String> NAMED = Set.of("kernel", "bias", "sn", "sigma");

    private InferenceKernel() {
    }

    /** The stored inference kernel, or null when the file has none; unknown extra weights are refused. */
    static INDArray stored(LayerConfig layer, Map<String, INDArray> weights) throws InvalidKerasConfigurationException {
        INDArray kernel = require(layer, weights, "kernel");
        List<String> candidates = new ArrayList<>();
        for (Map.Entry<String, INDArray> e : weights.entrySet()) {
            if (NAMED.contains(e.getKey())) {
                continue;
            }
            if (!Arrays.equals(e.getValue().shape(), kernel.shape())) {
                throw new InvalidKerasConfigurationException(layer.describe() + ": unexpected weight '" + e.getKey()
                        + "' of shape " + Arrays.toString(e.getValue().shape()) + "; expected kernel, bias, sn, sigma"
                        + " and the inference kernel of shape " + Arrays.toString(kernel.shape()));
            }
            candidates.add(e.getKey());
        }
        if (candidates.size() > 1) {
            throw new InvalidKerasConfigurationException(layer.describe() + ": more than one weight could be the"
                    + " inference kernel: " + candidates);
        }
        return candidates.isEmpty() ? null : weights.get(candidates.get(0));
    }

    static INDArray require(LayerConfig layer, Map<String, INDArray> weights, String name)
            throws InvalidKerasConfigurationException {
        INDArray w = weights.get(name);
        if (w == null) {
            throw new InvalidKerasConfigurationException(layer.describe() + ": no weight '" + name + "' in the file;"
                    + " found " + weights.keySet());
        }
        return w;
    }

    /** The weights a DL4J Dense/Conv2D reader takes: the inference kernel under "kernel", and the bias if any. */
    static Map<String, INDArray> plain(INDArray kernel, Map<String, INDArray> weights) {
        Map<String, INDArray> plain = new java.util.HashMap<>();
        plain.put("kernel", kernel);
        if (weights.containsKey("bias")) {
            plain.put("bias", weights.get("bias"));
        }
        return plain;
    }

    /** deel-lip's spectral normalisation and Björck orthonormalisation of the kernel, times coef. */
    static INDArray spectral(LayerConfig layer, Map<String, INDArray> weights, double coef)
            throws InvalidKerasConfigurationException {
        INDArray kernel = require(layer, weights, "kernel");
        long units = kernel.size(kernel.rank() - 1);
        INDArray w = kernel.castTo(DataType.DOUBLE).reshape('c', kernel.length() / units, units);
        INDArray u = require(layer, weights, "sn").castTo(DataType.DOUBLE).reshape(1, units);
        double eps = layer.number("eps_spectral", 1e-3);
        int maxIterations = layer.integer("maxiter_spectral", 10);
        u = u.div(u.norm2Number().doubleValue());
        INDArray old = u.add(2 * eps);
        for (int i = 0; i < maxIterations && u.sub(old).norm2Number().doubleValue() >= eps; i++) {
            old = u;
            u = u.mmul(w.transpose()).mmul(w);
            u = u.div(u.norm2Number().doubleValue());
        }
        double sigma = u.mmul(w.transpose()).norm2Number().doubleValue();
        w = w.div(sigma + eps);
        if (layer.has("eps_bjorck") && layer.has("beta_bjorck")) {
            w = bjorck(w, layer.number("eps_bjorck", 1e-3), layer.number("beta_bjorck", 0.5),
                    layer.integer("maxiter_bjorck", 15));
        }
        return w.muli(coef).reshape('c', kernel.shape());
    }

    private static INDArray bjorck(INDArray w, double eps, double beta, int maxIterations) {
        INDArray old = w.mul(10);
        for (int i = 0; i < maxIterations && w.sub(old).norm2Number().doubleValue() >= eps; i++) {
            old = w;
            INDArray wwtw = w.rows() > w.columns() ? w.mmul(w.transpose().mmul(w)) : w.mmul(w.transpose()).mmul(w);
            w = w.mul(1 + beta).subi(wwtw.muli(beta));
        }
        return w;
    }

    /** deel-lip's Frobenius normalisation: the whole kernel, or each output column (disjoint neurons), times coef. */
    static INDArray frobenius(LayerConfig layer, Map<String, INDArray> weights, boolean perColumn, double coef)
            throws InvalidKerasConfigurationException {
        INDArray kernel = require(layer, weights, "kernel").castTo(DataType.DOUBLE);
        if (perColumn) {
            return kernel.divRowVector(kernel.norm2(0)).muli(coef);
        }
        return kernel.div(kernel.norm2Number().doubleValue()).muli(coef);
    }

    /**
     * deel-lip's convolution coefficient for 'same' padding: √(HW / ((k_h H − a(a+1))(k_w W − b(b+1)))) with
     * a = (k_h − 1)/2, b = (k_w − 1)/2 at stride 1, else √(1 / (⌈k_h/s_h⌉ ⌈k_w/s_w⌉)).
     */
    static double convolutionCoefficient(int kernel, int stride, long height, long width) {
        if (stride == 1) {
            double a = (kernel - 1) / 2.0;
            double border = a * (a + 1);
            return Math.sqrt((double) height * width / ((kernel * height - border) * (kernel * width - border)));
        }
        double blocks = Math.ceil((double) kernel / stride);
        return Math.sqrt(1.0 / (blocks * blocks));
    }
}
