package io.github.structnet.symplectic;

import io.github.structnet.kernels.ActivationPass;
import io.github.structnet.kernels.Gemm;
import io.github.structnet.kernels.Sums;
import io.github.structnet.kernels.Vectors;
import io.github.structnet.samediff.DirectPass;
import io.github.structnet.samediff.PassMemory;
import lombok.Data;
import lombok.EqualsAndHashCode;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashMap;
import java.util.Map;

/**
 * SympNet gradient module, a symplectic shear of the phase space x = (q, p).
 * <pre>
 *   UP:   q ← q + h Kᵀ diag(a) σ(K p + b),   p unchanged
 *   LOW:  p ← p − h Kᵀ diag(a) σ(K q + b),   q unchanged
 * </pre>
 * <b>Guarantee.</b> The update is h·∇V of the potential V(y) = Σᵢ aᵢ Φ((K y + b)ᵢ), Φ′ = σ, so each module is
 * the exact time-h flow of the Hamiltonian V(p) (UP) or V(q) (LOW): its Jacobian J satisfies Jᵀ 𝕁 J = 𝕁 and
 * ‖J‖₂ ≥ 1, for every weight, step and element-wise σ.
 * <p>Shapes: input/output [mb, 2n]; K [width, n], a [1, width], b [1, width], h [1, 1].
 *
 * @see <a href="https://arxiv.org/abs/2001.03750">Jin, Zhang, Zhu, Tang, Karniadakis 2020, SympNets</a>
 */
@Data
@EqualsAndHashCode(callSuper = true)
public class GradientModule extends PhaseSpaceLayer implements DirectPass<GradientModule.Saved> {

    public static final String WEIGHT_KEY = "K";
    public static final String AMPLITUDE_KEY = "a";
    public static final String BIAS_KEY = "b";

    private Shear side;
    private long width;
    private Activation activation;

    /** What {@link #forward} keeps for backprop: z only when σ′ cannot be read off σ(z); σ(z); w = a ⊙ σ(z). */
    record Saved(INDArray z, INDArray activated, INDArray weighted) {
    }

    private GradientModule() {
        // for Jackson
    }

    private GradientModule(Builder b) {
        super(b);
        this.side = b.side;
        this.width = b.width;
        this.activation = b.activation;
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> p, SDVariable mask) {
        SDVariable q = q(x);
        SDVariable mom = p(x);
        SDVariable source = side == Shear.UP ? mom : q;
        SDVariable pre = sd.mmul(source, p.get(WEIGHT_KEY), false, true, false).add(p.get(BIAS_KEY));
        SDVariable update = activation.asSameDiff(sd, pre).mul(p.get(AMPLITUDE_KEY)).mmul(p.get(WEIGHT_KEY))
                .mul(p.get(STEP_KEY));
        return side == Shear.UP ? merge(sd, q.add(update), mom) : merge(sd, q, mom.sub(update));
    }

    /**
     * The same module with hand-written ND4J calls (what the runtime runs): with s the source half (p for UP, q for
     * LOW), z = s Kᵀ + b, w = a ⊙ σ(z), the updated half becomes r ± h w K (accumulated by BLAS into a contiguous
     * copy of r, then joined with s).
     * z (unless σ′ is read off σ(z)), σ(z) and w are kept, in reused scratch arrays, for backprop.
     */
    @Override
    public Forward<Saved> forward(Map<String, INDArray> p, INDArray x, boolean training, PassMemory memory) {
        INDArray k = p.get(WEIGHT_KEY);
        DataType type = x.dataType();
        long[] hiddenShape = {x.size(0), width};
        INDArray z = Gemm.broadcastRow(p.get(BIAS_KEY), 0.0, memory.scratch("z", type, hiddenShape));
        Gemm.accumulate(PhaseSpaces.half(x, side.sourceHalf()), false, k, true, 1.0, 1.0, z);
        boolean keepZ = ActivationPass.needsPreActivation(activation);
        INDArray activated = ActivationPass.activate(activation, z,
                keepZ ? memory.scratch("activated", type, hiddenShape) : z, training);
        INDArray weighted = memory.scratch("weighted", type, hiddenShape);
        Nd4j.getExecutioner().exec(new BroadcastMulOp(activated, p.get(AMPLITUDE_KEY).reshape(width), weighted, 1));
        INDArray updated = Gemm.accumulate(weighted, false, k, false, side.sign() * stepSize(p), 1.0,
                PhaseSpaces.copyHalf(x, side.updatedHalf(), memory.scratch("updated", type, x.size(0), half())));
        INDArray out = PhaseSpaces.join(side, updated, PhaseSpaces.half(x, side.sourceHalf()),
                memory.result(type, x.shape()));
        return new Forward<>(x, out, new Saved(keepZ ? z : null, activated, weighted));
    }

    /**
     * The vector–Jacobian product of {@link #forward}, with G = ε_r Kᵀ: ∂/∂w = ±h G, ∂/∂h = ±⟨G, w⟩,
     * ∂/∂a = Σ ∂w ⊙ σ(z), ∂/∂z = σ′ ⊙ a ⊙ ∂w, ∂/∂b = Σ ∂z, ∂/∂K = ±h wᵀ ε_r + ∂zᵀ s, ∂/∂s = ε_s + ∂z K,
     * ∂/∂r = ε_r.
     */
    @Override
    public Backward backward(Map<String, INDArray> p, Forward<Saved> f, INDArray epsilon, PassMemory memory) {
        INDArray k = p.get(WEIGHT_KEY);
        INDArray x = f.input();
        INDArray activated = f.saved().activated();
        INDArray weighted = f.saved().weighted();
        DataType type = x.dataType();
        double scale = side.sign() * stepSize(p);
        INDArray updatedGradient = PhaseSpaces.copyHalf(epsilon, side.updatedHalf(),
                memory.scratch("updatedGradient", type, x.size(0), half()));

        INDArray g = Gemm.accumulate(updatedGradient, false, k, true, 1.0, 0.0,
                memory.scratch("g", type, weighted.shape()));                           // G = ε_r Kᵀ
        double stepGradient = side.sign() * Vectors.dot(g, weighted);
        INDArray weightedGradient = g.muli(scale);
        INDArray work = memory.scratch("work", type, weighted.shape());
        INDArray amplitudeGradient = Sums.columns(weightedGradient.mul(activated, work),
                memory.gradient(AMPLITUDE_KEY));
        INDArray preGradient = ActivationPass.backprop(activation, f.saved().z(), activated,
                weightedGradient.muliRowVector(p.get(AMPLITUDE_KEY)), work);
        INDArray biasGradient = Sums.columns(preGradient, memory.gradient(BIAS_KEY));
        INDArray kernelGradient = Gemm.accumulate(weighted, true, updatedGradient, false, scale, 0.0,
                memory.gradient(WEIGHT_KEY));
        Gemm.accumulate(preGradient, true, PhaseSpaces.half(x, side.sourceHalf()), false, 1.0, 1.0, kernelGradient);
        INDArray sourceGradient = Gemm.accumulate(preGradient, false, k, false, 1.0, 1.0,
                PhaseSpaces.copyHalf(epsilon, side.sourceHalf(), memory.scratch("sourceGradient", type, x.size(0),
                        half())));
        INDArray inputGradient = PhaseSpaces.join(side, updatedGradient, sourceGradient,
                memory.result(type, epsilon.shape()));

        Map<String, INDArray> grads = new HashMap<>();
        grads.put(WEIGHT_KEY, kernelGradient);
        grads.put(AMPLITUDE_KEY, amplitudeGradient);
        grads.put(BIAS_KEY, biasGradient);
        if (trainableStep) {
            grads.put(STEP_KEY, memory.scalarGradient(STEP_KEY, stepGradient));
        }
        return new Backward(grads, inputGradient);
    }

    @Override
    protected void defineModuleParameters(SDLayerParams params) {
        params.addWeightParam(WEIGHT_KEY, width, half());
        params.addWeightParam(AMPLITUDE_KEY, 1, width);
        params.addBiasParam(BIAS_KEY, 1, width);
    }

    @Override
    protected void initializeModuleParameters(Map<String, INDArray> params) {
        initWeights((int) half(), (int) width, getWeightInit(), params.get(WEIGHT_KEY));
        params.get(AMPLITUDE_KEY).assign(Nd4j.randn(params.get(AMPLITUDE_KEY).dataType(), 1, width)
                .muli(1.0 / Math.sqrt(width)));
        params.get(BIAS_KEY).assign(0);
    }

    /** Builder. Defaults: UP, tanh, step 1 (learnable). */
    public static class Builder extends PhaseSpaceLayer.Builder<Builder> {
        private Shear side = Shear.UP;
        private long width;
        private Activation activation = Activation.TANH;

        public Builder side(Shear side) {
            this.side = side;
            return this;
        }

        /** Number of rows of K (hidden width). */
        public Builder width(long width) {
            this.width = width;
            return this;
        }

        /** Element-wise activation σ (tanh by default). */
        public Builder activation(Activation activation) {
            this.activation = activation;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public GradientModule build() {
            validate();
            if (width <= 0) {
                throw new IllegalArgumentException(owner() + ": width must be positive; got " + width);
            }
            if (side == null) {
                throw new IllegalArgumentException(owner() + ": side must be UP or LOW");
            }
            ElementwiseActivations.require(activation, owner());
            return new GradientModule(this);
        }
    }
}
