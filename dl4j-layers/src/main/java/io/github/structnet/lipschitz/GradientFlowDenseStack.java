package io.github.structnet.lipschitz;

import io.github.structnet.samediff.DirectPass;
import io.github.structnet.samediff.PassMemory;
import io.github.structnet.samediff.StructLayer;
import io.github.structnet.spectral.SpectralNormState;
import lombok.Data;
import lombok.EqualsAndHashCode;
import lombok.ToString;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonIgnore;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * N {@link GradientFlowDense} blocks, each with its own weights, run as one DL4J layer: the same network as N
 * separate layers, with one layer's bookkeeping instead of N (one activation and gradient hand-over, three updater
 * blocks instead of 3N, one state update call).
 * <pre>
 *   y = f_N ∘ … ∘ f_1 (x),   f_i(x) = x − τ_i W_iᵀ σ(W_i x + b_i),   τ_i = s · 2 / σ_{W_i}² · sigmoid(t_i)
 * </pre>
 * <b>Guarantee.</b> Each f_i is 1-Lipschitz for τ_i ≤ 2/‖W_i‖₂² ({@link GradientFlowDense}); at inference σ_{W_i} is
 * the Gram-iteration bound B(W_i) ≥ ‖W_i‖₂ of the weights the block runs with, so the composition is 1-Lipschitz.
 * {@link #lipschitzBound} is the product of the blocks' certified bounds, computed from the parameters.
 * <p>Each block is computed by {@link GradientFlowDense}'s own forward, backward and graph definition (one formula),
 * so results equal those of N separate layers with the same parameters, in training and at inference. Parameters of
 * block i (0-based): {@code W}i [nHidden, nIn], {@code b}i [1, nHidden], {@code t}i [1, 1], and the state
 * {@code v}i [1, nIn] (power-iteration vector, saved with the model, never trained).
 * <p>Built from a block's settings: {@code new GradientFlowDense.Builder().nHidden(128).buildStack(8)}.
 */
@Data
@EqualsAndHashCode(callSuper = true)
public class GradientFlowDenseStack extends StructLayer
        implements LipschitzBounded, DirectPass<GradientFlowDenseStack.Saved> {

    private int blocks;
    private long nIn;
    private long nHidden;
    private Activation activation;
    private double safetyFraction;
    private int steps = 1;
    private int powerIterations;
    private int initPowerIterations;

    /** The blocks as {@link GradientFlowDense} configurations (each with its own certificate cache). */
    @JsonIgnore
    @EqualsAndHashCode.Exclude
    @ToString.Exclude
    private transient GradientFlowDense[] blockLayers;

    /** What {@link #forward} keeps for backprop: each block's input and saved arrays. */
    record Saved(INDArray[] inputs, GradientFlowDense.Saved[] blocks) {
    }

    private GradientFlowDenseStack() {
        // for Jackson
    }

    /** The settings of a block builder, for {@code blocks} blocks ({@link GradientFlowDense.Builder#buildStack}). */
    GradientFlowDenseStack(GradientFlowDense block, GradientFlowDense.Builder settings, int blocks) {
        super(settings);
        this.blocks = blocks;
        this.nIn = block.getNIn();
        this.nHidden = block.getNHidden();
        this.activation = block.getActivation();
        this.safetyFraction = block.getSafetyFraction();
        this.steps = block.getSteps();
        this.powerIterations = block.getPowerIterations();
        this.initPowerIterations = block.getInitPowerIterations();
    }

    /** The parameter key of block i for a {@link GradientFlowDense} key ({@code W} → {@code W3}). */
    public static String key(String blockKey, int block) {
        return blockKey + block;
    }

    /** Block i's parameters under {@link GradientFlowDense}'s keys (views of this layer's parameters). */
    public static <T> Map<String, T> blockParameters(Map<String, T> params, int block) {
        Map<String, T> p = new HashMap<>(8);
        for (String k : BLOCK_KEYS) {
            p.put(k, params.get(key(k, block)));
        }
        return p;
    }

    private static final String[] BLOCK_KEYS = {AbstractNormalisedDense.WEIGHT_KEY,
        PowerIterationVector.VECTOR_KEY, AbstractNormalisedDense.BIAS_KEY, GradientFlowDense.STEP_KEY};

    /** Block i as a {@link GradientFlowDense} configuration. */
    public synchronized GradientFlowDense block(int i) {
        if (blockLayers == null || blockLayers.length != blocks || blockLayers[0].getNIn() != nIn) {
            GradientFlowDense[] made = new GradientFlowDense[blocks];
            for (int k = 0; k < blocks; k++) {
                String name = (getLayerName() == null ? "" : getLayerName() + ", ") + "block " + k;
                made[k] = new GradientFlowDense.Builder().nIn(nIn).nHidden(nHidden).activation(activation)
                        .safetyFraction(safetyFraction).steps(steps).powerIterations(powerIterations)
                        .initPowerIterations(initPowerIterations).name(name).build();
            }
            blockLayers = made;
        }
        return blockLayers[i];
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        DenseLayerSupport.requirePositive(nIn, "nIn (set it or let setInputType infer it)", describe());
        // trainable weights first, then the state, then the biases and steps: three updater blocks in all
        for (int i = 0; i < blocks; i++) {
            params.addWeightParam(key(AbstractNormalisedDense.WEIGHT_KEY, i), nHidden, nIn);
        }
        for (int i = 0; i < blocks; i++) {
            params.addWeightParam(key(PowerIterationVector.VECTOR_KEY, i), 1, nIn);
        }
        for (int i = 0; i < blocks; i++) {
            params.addBiasParam(key(AbstractNormalisedDense.BIAS_KEY, i), 1, nHidden);
            params.addBiasParam(key(GradientFlowDense.STEP_KEY, i), 1, 1);
        }
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        for (int i = 0; i < blocks; i++) {
            initWeights((int) nIn, (int) nHidden, getWeightInit(),
                    params.get(key(AbstractNormalisedDense.WEIGHT_KEY, i)));
            params.get(key(AbstractNormalisedDense.BIAS_KEY, i)).assign(0);
            params.get(key(GradientFlowDense.STEP_KEY, i)).assign(0);
        }
        initialiseState(params);
    }

    @Override
    public Set<String> stateParameterKeys() {
        Set<String> keys = new LinkedHashSet<>();
        for (int i = 0; i < blocks; i++) {
            keys.add(key(PowerIterationVector.VECTOR_KEY, i));
        }
        return keys;
    }

    @Override
    public void initialiseState(Map<String, INDArray> params) {
        for (int i = 0; i < blocks; i++) {
            block(i).initialiseState(blockParameters(params, i));
        }
    }

    @Override
    public void updateState(Map<String, INDArray> params) {
        for (int i = 0; i < blocks; i++) {
            block(i).updateState(blockParameters(params, i));
        }
    }

    @Override
    public boolean repairState(Map<String, INDArray> params) {
        boolean rederived = false;
        for (int i = 0; i < blocks; i++) {
            rederived |= block(i).repairState(blockParameters(params, i));
        }
        return rederived;
    }

    @Override
    public Map<String, INDArray> placeholderValues(Map<String, INDArray> params, boolean training) {
        Map<String, INDArray> values = new HashMap<>();
        for (int i = 0; i < blocks; i++) {
            String w = key(AbstractNormalisedDense.WEIGHT_KEY, i);
            values.put(w + SpectralNormState.SCALE_SUFFIX, SpectralNormState.scale(params.get(w),
                    params.get(key(PowerIterationVector.VECTOR_KEY, i)), training, block(i).describe()));
        }
        return values;
    }

    /** The blocks' graph definitions ({@link GradientFlowDense#defineSteps}) chained. */
    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> p, SDVariable mask) {
        SDVariable y = x;
        for (int i = 0; i < blocks; i++) {
            y = block(i).defineSteps(sd, y, blockParameters(p, i), key(AbstractNormalisedDense.WEIGHT_KEY, i));
        }
        return y;
    }

    /** The blocks' direct passes chained; block i's arrays live under its own names in {@code memory}. */
    @Override
    public Forward<Saved> forward(Map<String, INDArray> p, INDArray x, boolean training, PassMemory memory) {
        INDArray[] inputs = new INDArray[blocks];
        GradientFlowDense.Saved[] saved = new GradientFlowDense.Saved[blocks];
        INDArray current = x;
        for (int i = 0; i < blocks; i++) {
            inputs[i] = current;
            Forward<GradientFlowDense.Saved> f = block(i).forward(blockParameters(p, i), current, training,
                    new BlockMemory(memory, i, i == blocks - 1));
            saved[i] = f.saved();
            current = f.output();
        }
        return new Forward<>(x, current, new Saved(inputs, saved));
    }

    /** The blocks' vector–Jacobian products, last block first. */
    @Override
    public Backward backward(Map<String, INDArray> p, Forward<Saved> f, INDArray epsilon, PassMemory memory) {
        Map<String, INDArray> grads = new HashMap<>();
        INDArray g = epsilon;
        for (int i = blocks - 1; i >= 0; i--) {
            Backward b = block(i).backward(blockParameters(p, i),
                    new Forward<>(f.saved().inputs()[i], null, f.saved().blocks()[i]), g,
                    new BlockMemory(memory, i, i == 0));
            for (Map.Entry<String, INDArray> e : b.parameterGradients().entrySet()) {
                grads.put(key(e.getKey(), i), e.getValue());
            }
            g = b.inputGradient();
        }
        return new Backward(grads, g);
    }

    /** The product of the blocks' certified bounds (each 1 when s ≤ 1), from the given parameters. */
    @Override
    public double lipschitzBound(Map<String, INDArray> params) {
        double bound = 1.0;
        for (int i = 0; i < blocks; i++) {
            bound *= block(i).lipschitzBound(blockParameters(params, i));
        }
        return bound;
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        DenseLayerSupport.featuresOf(inputType, describe());
        return InputType.feedForward(nIn);
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        if (nIn <= 0 || override) {
            nIn = DenseLayerSupport.featuresOf(inputType, describe());
        }
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return DenseLayerSupport.preProcessor(inputType, describe());
    }

    @Override
    public void validateInput(INDArray input) {
        DenseLayerSupport.requireShape(input, nIn, describe());
        super.validateInput(input);
    }

    /**
     * Block i's view of the layer's pass memory: its scratch arrays under names of its own, its parameter gradients
     * in the stack's gradient views, and its result in the layer's result only for the block that produces it (the
     * last block's output, the first block's input gradient); other blocks' results are scratch arrays that live
     * until the next pass.
     */
    private record BlockMemory(PassMemory layer, int block, boolean producesResult) implements PassMemory {

        @Override
        public INDArray scratch(String name, DataType type, long... shape) {
            return layer.scratch(block + "/" + name, type, shape);
        }

        @Override
        public INDArray result(DataType type, long... shape) {
            return producesResult ? layer.result(type, shape) : layer.scratch(block + "/result", type, shape);
        }

        @Override
        public INDArray gradient(String key) {
            return layer.gradient(key(key, block));
        }

        @Override
        public boolean owns(INDArray array) {
            return layer.owns(array);
        }
    }
}
