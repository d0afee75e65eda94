package io.github.structnet.certify;

import io.github.structnet.spectral.GramIteration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.Upsampling2D;

/**
 * Certified bounds of DL4J's local pooling and upsampling layers of any geometry (internal to
 * {@link NetworkLipschitz}).
 * <p>Let c be the largest number of pooling windows one input position falls in: per axis at most
 * min(k, ⌈k·gcd(s, d)/s⌉) for kernel k, stride s and dilation d (⌈k/s⌉ without dilation). Then, with δ = x − y and
 * δ_w its restriction to window w, Σ_w ‖δ_w‖² ≤ c ‖δ‖², and
 * <ul>
 *   <li>max pooling: |max x_w − max y_w| ≤ ‖δ_w‖ (padding, whatever its value, is a constant): bound √c;</li>
 *   <li>average pooling with divisor D_w ≥ the number of real inputs n_w: |Σ δ_w / D_w| ≤ ‖δ_w‖ √n_w / D_w ≤
 *       ‖δ_w‖ / √D_w: bound √(c / D) when every divisor is the full window D = k_h k_w (no padding, or padding counted
 *       in the divisor), √c otherwise (D_w ≥ 1);</li>
 *   <li>p-norm pooling: |‖x_w‖_p − ‖y_w‖_p| ≤ ‖δ_w‖_p ≤ ‖δ_w‖₂ (k_h k_w)^{max(0, 1/p − 1/2)}: √c times it.</li>
 * </ul>
 * Nearest-neighbour upsampling by s_h × s_w copies each input s_h s_w times: exactly √(s_h s_w).
 */
final class PoolingBounds {

    /** These bounds are attained (by constant differences, or by copies): widened for the rounding of the layer. */
    private static final double ROUNDING = 1 + GramIteration.ROUNDING_MARGIN;

    private PoolingBounds() {
    }

    static double of(SubsamplingLayer s, String who) {
        int[] k = s.getKernelSize();
        int[] st = s.getStride();
        int[] d = s.getDilation() == null ? new int[]{1, 1} : s.getDilation();
        double windows = windowsPerInput(k[0], st[0], d[0]) * (double) windowsPerInput(k[1], st[1], d[1]);
        double area = (double) k[0] * k[1];
        if (s.getPoolingType() == PoolingType.MAX) {
            // a maximum selects one of its inputs: no rounding, so disjoint windows give exactly 1
            return windows == 1 ? 1.0 : Math.sqrt(windows) * ROUNDING;
        }
        if (s.getPoolingType() == PoolingType.AVG) {
            boolean padded = s.getConvolutionMode() == ConvolutionMode.Same || s.getPadding()[0] > 0
                    || s.getPadding()[1] > 0;
            boolean fullDivisor = !padded || s.isAvgPoolIncludePadInDivisor();
            return Math.sqrt(fullDivisor ? windows / area : windows) * ROUNDING;
        }
        if (s.getPoolingType() == PoolingType.PNORM && s.getPnorm() >= 1) {
            return Math.sqrt(windows) * Math.pow(area, Math.max(0, 1.0 / s.getPnorm() - 0.5)) * ROUNDING;
        }
        throw new IllegalArgumentException("NetworkLipschitz: " + who + " uses " + s.getPoolingType()
                + " pooling" + (s.getPoolingType() == PoolingType.PNORM ? " with p = " + s.getPnorm() : "")
                + ", which is not certified; supported are MAX, AVG and PNORM with p >= 1");
    }

    /** Windows of size k, stride s and dilation d that can contain one input position, along one axis. */
    static long windowsPerInput(long k, long s, long d) {
        long period = s / gcd(s, d);
        return Math.min(k, (k + period - 1) / period);
    }

    static double upsampling(Upsampling2D u) {
        int[] size = u.getSize();
        return Math.sqrt((double) size[0] * (size.length > 1 ? size[1] : size[0])) * ROUNDING;
    }

    private static long gcd(long a, long b) {
        return b == 0 ? a : gcd(b, a % b);
    }
}
