package io.github.structnet.symplectic;

import io.github.structnet.summary.StepSize;
import io.github.structnet.ode.StepLayerBuilder;
import io.github.structnet.kernels.ActivationPass;
import io.github.structnet.kernels.Sums;
import io.github.structnet.kernels.Vectors;
import io.github.structnet.samediff.DirectPass;
import io.github.structnet.samediff.PassMemory;
import io.github.structnet.samediff.ConvolutionalInputs;
import io.github.structnet.samediff.StructLayer;
import io.github.structnet.kernels.Convolutions;
import lombok.Data;
import lombok.EqualsAndHashCode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.InputTypeUtil;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * A symplectic convolutional block: a gradient module whose linear maps are convolutions. The channels of an
 * input [mb, C, H, W] split into q (first C/2) and p (last C/2), paired channel by channel and pixel by pixel.
 * <pre>
 *   UP:   q ← q + h Kᵀ (a ⊙ σ(K p + b)),      LOW:  p ← p − h Kᵀ (a ⊙ σ(K q + b))
 * </pre>
 * K a k×k stride-1 "same" convolution C/2 → m channels, Kᵀ its exact adjoint ({@link Convolutions}), a and b
 * per hidden channel.
 * <p><b>Guarantee.</b> The update is h·∇V for V(y) = Σ aᵢ Φ((K y + b)ᵢ), Φ′ = σ: the block is the time-h flow
 * of a Hamiltonian on the channel phase space, so Jᵀ 𝕁 J = 𝕁 for every weight.
 * <p>Shapes: input/output [mb, C, H, W] (C even); K [k, k, C/2, m], a [1, m, 1, 1], b [m], h [1, 1].
 */
@Data
@EqualsAndHashCode(callSuper = true)
public class SymplecticConv2D extends StructLayer implements StepSize, DirectPass<SymplecticConv2D.Saved> {

    public static final String KERNEL_KEY = "K";
    public static final String AMPLITUDE_KEY = "a";
    public static final String BIAS_KEY = "b";
    public static final String STEP_KEY = "h";

    private long channels;
    private long hiddenChannels;
    private int kernelSize;
    private Shear side;
    private Activation activation;
    private double step;
    private boolean trainableStep;

    /**
     * What {@link #forward} keeps for backprop: z only when σ′ cannot be read off σ(z); the source half s; σ(z);
     * w = a ⊙ σ(z); M = ±h K̃.
     */
    record Saved(INDArray z, INDArray source, INDArray activated, INDArray weighted, INDArray adjointKernel) {
    }

    private SymplecticConv2D() {
        // for Jackson
    }

    private SymplecticConv2D(Builder b) {
        super(b);
        this.channels = b.channels;
        this.hiddenChannels = b.hiddenChannels;
        this.kernelSize = b.kernelSize;
        this.side = b.side;
        this.activation = b.activation;
        this.step = b.getStep();
        this.trainableStep = b.isTrainableStep();
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> p, SDVariable mask) {
        long n = channels / 2;
        SDVariable q = x.get(SDIndex.all(), SDIndex.interval(0L, n), SDIndex.all(), SDIndex.all());
        SDVariable mom = x.get(SDIndex.all(), SDIndex.interval(n, channels), SDIndex.all(), SDIndex.all());
        SDVariable source = side == Shear.UP ? mom : q;
        SDVariable pre = Convolutions.apply(sd, source, p.get(KERNEL_KEY), p.get(BIAS_KEY), kernelSize);
        SDVariable weighted = activation.asSameDiff(sd, pre).mul(p.get(AMPLITUDE_KEY));
        SDVariable update = Convolutions.adjoint(sd, weighted, p.get(KERNEL_KEY), kernelSize).mul(p.get(STEP_KEY));
        return side == Shear.UP ? sd.concat(1, q.add(update), mom) : sd.concat(1, q, mom.sub(update));
    }

    /**
     * The same block with hand-written ND4J calls (what the runtime runs): with s the source half (p for UP, q for
     * LOW), z = K s + b, w = a ⊙ σ(z) and M = ±h K̃ (+ for UP), the updated half becomes r + conv(w, M).
     * The halves are copied to contiguous scratch arrays; s, σ(z) (and z, unless σ′ is read off σ(z)), w and M are
     * kept for backprop.
     */
    @Override
    public Forward<Saved> forward(Map<String, INDArray> p, INDArray x, boolean training, PassMemory memory) {
        DataType type = x.dataType();
        long[] halfShape = {x.size(0), channels / 2, x.size(2), x.size(3)};
        long[] hiddenShape = {x.size(0), hiddenChannels, x.size(2), x.size(3)};
        INDArray source = PhaseSpaces.copyHalf(x, side.sourceHalf(), memory.scratch("source", type, halfShape));
        INDArray z = Convolutions.apply(source, p.get(KERNEL_KEY), p.get(BIAS_KEY), 1,
                memory.scratch("z", type, hiddenShape));
        boolean keepZ = ActivationPass.needsPreActivation(activation);
        INDArray activated = ActivationPass.activate(activation, z,
                keepZ ? memory.scratch("activated", type, hiddenShape) : z, training);
        INDArray weighted = memory.scratch("weighted", type, hiddenShape);
        Nd4j.getExecutioner().exec(new BroadcastMulOp(activated, amplitudes(p), weighted, 1));
        INDArray adjointKernel = Convolutions.flipped(p.get(KERNEL_KEY), side.sign() * stepSize(p),
                memory.scratch("adjointKernel", type, Convolutions.flippedShape(p.get(KERNEL_KEY))));
        INDArray update = Convolutions.apply(weighted, adjointKernel, null, 1, memory.scratch("update", type,
                halfShape));
        INDArray updated = PhaseSpaces.copyHalf(x, side.updatedHalf(), memory.scratch("updated", type, halfShape))
                .addi(update);
        INDArray out = PhaseSpaces.join(side, updated, source, memory.result(type, x.shape()));
        return new Forward<>(x, out, new Saved(keepZ ? z : null, source, activated, weighted, adjointKernel));
    }

    /**
     * The vector–Jacobian product of {@link #forward}: the updated half passes ε through and feeds conv2d_bp through
     * M (∂/∂w, ∂/∂M); ∂/∂a = Σ ∂w ⊙ σ(z) over batch and space; ∂/∂z = σ′ ⊙ a ⊙ ∂w; conv2d_bp through K gives ∂/∂s,
     * ∂/∂K and ∂/∂b; K also receives ±h·flip(∂M), and h (when trainable) ±⟨∂M, K̃⟩.
     */
    @Override
    public Backward backward(Map<String, INDArray> p, Forward<Saved> f, INDArray epsilon, PassMemory memory) {
        INDArray kernel = p.get(KERNEL_KEY);
        Saved saved = f.saved();
        INDArray source = saved.source();
        INDArray activated = saved.activated();
        INDArray weighted = saved.weighted();
        INDArray adjointKernel = saved.adjointKernel();
        DataType type = source.dataType();
        INDArray updateGradient = PhaseSpaces.copyHalf(epsilon, side.updatedHalf(),
                memory.scratch("updateGradient", type, source.shape()));
        INDArray weightedGradient = memory.scratch("weightedGradient", type, weighted.shape());
        INDArray adjointKernelGradient = memory.scratch("adjointKernelGradient", type, adjointKernel.shape());
        Convolutions.backward(weighted, adjointKernel, null, updateGradient, 1, weightedGradient,
                adjointKernelGradient, null);
        INDArray work = memory.scratch("work", type, weighted.shape());
        INDArray amplitudeGradient = Sums.channels(weightedGradient.mul(activated, work),
                memory.gradient(AMPLITUDE_KEY));
        Nd4j.getExecutioner().exec(new BroadcastMulOp(weightedGradient, amplitudes(p), weightedGradient, 1));
        INDArray preGradient = ActivationPass.backprop(activation, saved.z(), activated,
                weightedGradient, work);
        INDArray sourceGradient = memory.scratch("sourceGradient", type, source.shape());
        INDArray kernelGradient = memory.gradient(KERNEL_KEY);
        INDArray biasGradient = memory.gradient(BIAS_KEY);
        Convolutions.backward(source, kernel, p.get(BIAS_KEY), preGradient, 1, sourceGradient, kernelGradient,
                biasGradient);
        double h = stepSize(p);
        // M = ±h K̃, K̃ ↦ K an involution
        Convolutions.addFlipped(adjointKernelGradient, side.sign() * h, kernelGradient);
        Map<String, INDArray> grads = new HashMap<>();
        grads.put(KERNEL_KEY, kernelGradient);
        grads.put(BIAS_KEY, biasGradient);
        grads.put(AMPLITUDE_KEY, amplitudeGradient);
        if (trainableStep) {
            INDArray flipped = Convolutions.flipped(kernel);
            double stepGradient = side.sign() * Vectors.dot(adjointKernelGradient, flipped);
            grads.put(STEP_KEY, memory.scalarGradient(STEP_KEY, stepGradient));
            flipped.close();
        }

        INDArray sourceTotal = PhaseSpaces.copyHalf(epsilon, side.sourceHalf(), memory.scratch("sourceTotal", type,
                source.shape())).addi(sourceGradient);
        INDArray inputGradient = PhaseSpaces.join(side, updateGradient, sourceTotal, memory.result(type,
                epsilon.shape()));
        return new Backward(grads, inputGradient);
    }

    private INDArray amplitudes(Map<String, INDArray> p) {
        return p.get(AMPLITUDE_KEY).reshape(hiddenChannels);
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        PhaseSpaces.requireEven(channels, describe() + " (channels)");
        params.addWeightParam(KERNEL_KEY, kernelSize, kernelSize, channels / 2, hiddenChannels);
        params.addWeightParam(AMPLITUDE_KEY, 1, hiddenChannels, 1, 1);
        params.addBiasParam(BIAS_KEY, hiddenChannels);
        params.addBiasParam(STEP_KEY, 1, 1);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        INDArray k = params.get(KERNEL_KEY);
        double fanIn = (double) kernelSize * kernelSize * (channels / 2);
        k.assign(Nd4j.randn(k.dataType(), k.shape()).muli(1.0 / Math.sqrt(fanIn)));
        INDArray a = params.get(AMPLITUDE_KEY);
        a.assign(Nd4j.randn(a.dataType(), a.shape()).muli(1.0 / Math.sqrt(hiddenChannels)));
        params.get(BIAS_KEY).assign(0);
        params.get(STEP_KEY).assign(step);
    }

    @Override
    public Set<String> stateParameterKeys() {
        return trainableStep ? Set.of() : Set.of(STEP_KEY);
    }

    @Override
    public void validateInput(INDArray input) {
        if (input.rank() != 4 || input.size(1) != channels) {
            throw new IllegalArgumentException(describe() + ": expected input [minibatch, " + channels
                    + ", height, width] (NCHW); got " + java.util.Arrays.toString(input.shape()));
        }
        super.validateInput(input);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return convolutional(inputType);
    }

    private InputType.InputTypeConvolutional convolutional(InputType inputType) {
        return ConvolutionalInputs.of(inputType, false, "q and p are the channel halves along dimension 1", describe());
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        InputType.InputTypeConvolutional c = convolutional(inputType);
        if (channels <= 0 || override) {
            channels = PhaseSpaces.requireEven(c.getChannels(), describe() + " (channels)");
        }
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return InputTypeUtil.getPreProcessorForInputTypeCnnLayers(inputType, describe());
    }

    @Override
    public INDArray onesMaskForInput(INDArray input) {
        return ConvolutionalInputs.onesMask(input);
    }

    /** The step size h (a parameter: learned, or kept fixed as state). */
    @Override
    public double stepSize(Map<String, INDArray> params) {
        return params.get(STEP_KEY).getDouble(0);
    }

    /** Builder. Defaults: UP, 3×3 kernels, tanh, step 1 (learnable). */
    public static class Builder extends StepLayerBuilder<Builder> {
        private long channels;
        private long hiddenChannels;
        private int kernelSize = 3;
        private Shear side = Shear.UP;
        private Activation activation = Activation.TANH;

        public Builder() {
            super(1.0, true);
        }

        /** Number of input channels C (even); inferred from the input type when not set. */
        public Builder channels(long channels) {
            this.channels = channels;
            return this;
        }

        /** Hidden channels m of K. */
        public Builder hiddenChannels(long hiddenChannels) {
            this.hiddenChannels = hiddenChannels;
            return this;
        }

        /** Odd kernel size k. */
        public Builder kernelSize(int kernelSize) {
            this.kernelSize = kernelSize;
            return this;
        }

        public Builder side(Shear side) {
            this.side = side;
            return this;
        }

        public Builder activation(Activation activation) {
            this.activation = activation;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public SymplecticConv2D build() {
            String owner = owner();
            if (channels != 0) {
                PhaseSpaces.requireEven(channels, owner + " (channels)");
            }
            if (hiddenChannels <= 0) {
                throw new IllegalArgumentException(owner + ": hiddenChannels must be positive; got " + hiddenChannels);
            }
            if (kernelSize <= 0 || kernelSize % 2 == 0) {
                throw new IllegalArgumentException(owner + ": kernelSize must be odd and positive; got " + kernelSize);
            }
            validateStep();
            if (side == null) {
                throw new IllegalArgumentException(owner + ": side must be UP or LOW");
            }
            ElementwiseActivations.require(activation, owner);
            return new SymplecticConv2D(this);
        }
    }
}
