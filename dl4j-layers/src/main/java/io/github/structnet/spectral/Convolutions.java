package io.github.structnet.spectral;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.DeConv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;

/**
 * A stride-1, zero-padded ("same") k×k convolution K and its exact adjoint Kᵀ on SameDiff graphs, NCHW.
 * <pre>
 *   K: [mb, C, H, W] → [mb, C′, H, W],   weights [k, k, C, C′]
 *   Kᵀ = conv-transpose with the same weights: ⟨K x, y⟩ = ⟨x, Kᵀ y⟩
 * </pre>
 * The dot-product test in the tests checks the adjoint to 1e-10 in double precision. k must be odd.
 */
public final class Convolutions {

    private Convolutions() {
    }

    /** K x, optionally plus a bias [C′]. */
    public static SDVariable apply(SameDiff sd, SDVariable x, SDVariable weights, SDVariable bias, int kernel) {
        Conv2DConfig conf = Conv2DConfig.builder().kH(kernel).kW(kernel).sH(1).sW(1)
                .paddingMode(PaddingMode.SAME).dataFormat("NCHW").build();
        return bias == null ? sd.cnn().conv2d(x, weights, conf) : sd.cnn().conv2d(x, weights, bias, conf);
    }

    /** Kᵀ y with the weights of {@link #apply}. */
    public static SDVariable adjoint(SameDiff sd, SDVariable y, SDVariable weights, int kernel) {
        DeConv2DConfig conf = DeConv2DConfig.builder().kH(kernel).kW(kernel).sH(1).sW(1)
                .isSameMode(true).dataFormat("NCHW").build();
        return sd.cnn().deconv2d(y, weights, conf);
    }
}
