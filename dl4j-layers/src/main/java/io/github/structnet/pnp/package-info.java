/**
 * Inverse problems y = K x + noise and their solution by (Plug-and-Play) proximal gradient descent:
 * <pre>
 *   x_{k+1} = Γ(x_k − α Kᵀ(K x_k − y)),    0 &lt; α &lt; 2/‖K‖₂²
 * </pre>
 * with Γ a proximal map (soft-thresholding of Haar coefficients: ISTA) or any DL4J network used as a denoiser.
 * When Γ is averaged (a 1-Lipschitz gradient-flow denoiser built from {@code GradientFlowConv2D} blocks with
 * τ &lt; 2/‖K‖², wrapped in {@code ChannelEmbedding} lift and projection), the iteration is a composition of averaged
 * maps and converges to a fixed point whenever one exists.
 * <p>Images are NCHW arrays [1, C, H, W]. Forward operators come with exact adjoints and sound operator norms;
 * {@link io.github.structnet.pnp.ImageQuality} gives PSNR and SSIM.
 *
 * @see <a href="https://arxiv.org/abs/2306.17332">Sherry et al. 2023, Designing stable neural networks using convex
 * analysis and ODEs</a>
 * @see <a href="https://arxiv.org/abs/1905.05406">Ryu et al. 2019, Plug-and-Play methods provably converge with
 * properly trained denoisers</a>
 */
package io.github.structnet.pnp;
