package io.github.structnet.samediff;

import io.github.structnet.kernels.GlibcHeap;
import io.github.structnet.kernels.Release;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.common.base.Preconditions;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.regularization.Regularization;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The corrected runtime of a {@link StructLayer} (internal). Differences from DL4J's stock
 * {@code org.deeplearning4j.nn.layers.samediff.SameDiffLayer}:
 * <ul>
 *   <li>exact gradients: the loss Σ out ⊙ ε replaces the external-errors op, which doubled them;</li>
 *   <li>{@code setParam} assigns, and {@link #calcRegularizationScore} reports regularisation;</li>
 *   <li>state parameters are updated through {@link StructuredParameters#updateState} once per training
 *       iteration and get a zero gradient;</li>
 *   <li>the graph runs outside DL4J's workspaces; its results are copied into them;</li>
 *   <li>a {@link DirectPass} layer builds no graph: its output and input gradient are written straight into DL4J's
 *       workspaces, its parameter gradients into the gradient views, its temporaries into reused arrays
 *       ({@link LayerMemory}).</li>
 * </ul>
 */
public class StructLayerRuntime extends org.deeplearning4j.nn.layers.samediff.SameDiffLayer {

    private final GraphPass.StateClock stateClock = new GraphPass.StateClock();
    private List<String> trainableKeys;
    private DirectPass.Forward<?> lastForward;
    private final LayerMemory memory = new LayerMemory();
    /**
     * Runs the SameDiff definition even when the layer has a direct pass: set only by the tests that hold the two
     * equal.
     */
    private boolean definitionRoute;

    public StructLayerRuntime(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
        GlibcHeap.install();
    }

    private StructLayer structConf() {
        return (StructLayer) layerConf();
    }

    /** Makes this instance run the layer's SameDiff definition instead of its direct pass (for the tests). */
    void useDefinition() {
        definitionRoute = true;
    }

    /** All parameters, or with {@code backpropParamsOnly} the trained ones: the state is not trained by backprop. */
    @Override
    public Map<String, INDArray> paramTable(boolean backpropParamsOnly) {
        Map<String, INDArray> all = super.paramTable(backpropParamsOnly);
        return backpropParamsOnly ? GraphPass.withoutState(all, structConf().stateParameterKeys()) : all;
    }

    /** The layer's direct pass, or null when the graph runs. */
    private DirectPass<?> directPass() {
        return !definitionRoute && structConf() instanceof DirectPass<?> direct ? direct : null;
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        DirectPass<?> direct = directPass();
        if (direct != null) {
            return directActivate(direct, training, workspaceMgr);
        }
        INDArray out;
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            structConf().validateInput(input);
            if (training && stateClock.advance(getIterationCount())) {
                structConf().updateState(paramTable);
            }
            ensureGraph();
            out = sameDiff.outputSingle(placeholders(training), outputKey);
            sameDiff.clearPlaceholders(true);
            sameDiff.clearOpInputs();
        }
        return workspaceMgr.dup(ArrayType.ACTIVATIONS, out);
    }

    /** Forward through a {@link DirectPass}: the output is written straight into DL4J's activation workspace. */
    private INDArray directActivate(DirectPass<?> direct, boolean training, LayerWorkspaceMgr workspaceMgr) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            structConf().validateInput(input);
            if (training && stateClock.advance(getIterationCount())) {
                structConf().updateState(paramTable);
            }
            memory.prepare((type, shape) -> workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, type, shape),
                    gradientViews());
            DirectPass.Forward<?> f = direct.forward(paramTable, input, training, memory);
            release(lastForward);
            lastForward = training ? f : null;
            if (!training) {
                release(f);
            }
            return f.output();
        }
    }

    /**
     * Backprop through a {@link DirectPass}: reuses the training forward pass of this input, or runs one; the input
     * gradient goes straight into DL4J's gradient workspace and the parameter gradients into the gradient views.
     */
    @SuppressWarnings("unchecked") // lastForward was made by the same direct pass
    private <S extends Record> Pair<Gradient, INDArray> directBackprop(DirectPass<S> direct, INDArray epsilon,
                                                                      LayerWorkspaceMgr workspaceMgr) {
        Gradient gradient = new DefaultGradient();
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            DirectPass.Forward<S> f = (DirectPass.Forward<S>) lastForward;
            boolean recomputed = f == null || f.input() != input;
            if (recomputed) {
                release(f);
                memory.prepare((type, shape) -> Nd4j.createUninitialized(type, shape), gradientViews());
                f = direct.forward(paramTable, input.dup(), true, memory);
            }
            memory.prepare((type, shape) -> workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, type, shape),
                    gradientViews());
            DirectPass.Backward b = direct.backward(paramTable, f, epsilon, memory);
            GraphPass.copyGradients(b.parameterGradients(), gradTable,
                    GraphPass.trainableKeys(paramTable, structConf().stateParameterKeys()),
                    structConf().stateParameterKeys(), gradient);
            for (INDArray g : b.parameterGradients().values()) {
                releaseUnowned(g);
            }
            release(f);
            if (recomputed) {
                Release.all(f.output(), f.input());
            }
            lastForward = null;
            return new Pair<>(gradient, b.inputGradient());
        }
    }

    private Map<String, INDArray> gradientViews() {
        return gradTable != null ? gradTable : Map.of();
    }

    /** Frees what a forward pass kept for backprop (never its input, which belongs to the network). */
    private void release(DirectPass.Forward<?> f) {
        if (f == null) {
            return;
        }
        for (INDArray a : SavedArrays.of(f.saved())) {
            if (a != f.input()) {
                releaseUnowned(a);
            }
        }
    }

    private void releaseUnowned(INDArray a) {
        if (!memory.owns(a)) {
            Release.all(a);
        }
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        DirectPass<?> direct = directPass();
        if (direct != null) {
            return directBackprop(direct, epsilon, workspaceMgr);
        }
        Gradient gradient = new DefaultGradient();
        INDArray inputGradient;
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            ensureGraph();
            Map<String, INDArray> ph = placeholders(true);
            ph.put(GraphPass.EPSILON, epsilon);
            List<String> wanted = new ArrayList<>(trainableKeys);
            wanted.add(INPUT_KEY);
            Map<String, INDArray> grads = sameDiff.calculateGradients(ph, wanted);
            GraphPass.copyGradients(grads, gradTable, trainableKeys, structConf().stateParameterKeys(), gradient);
            inputGradient = GraphPass.inputGradient(grads, INPUT_KEY, structConf().describe());
            sameDiff.clearPlaceholders(true);
            sameDiff.clearOpInputs();
        }
        return new Pair<>(gradient, workspaceMgr.dup(ArrayType.ACTIVATION_GRAD, inputGradient));
    }

    private Map<String, INDArray> placeholders(boolean training) {
        Map<String, INDArray> ph = new HashMap<>();
        ph.put(INPUT_KEY, input);
        ph.put(MASK_KEY, maskArray != null ? maskArray : layerConf().onesMaskForInput(input));
        ph.putAll(structConf().placeholderValues(paramTable, new INDArray[]{input}, training));
        return ph;
    }

    private void ensureGraph() {
        if (sameDiff == null) {
            doInit();
        }
    }

    @Override
    protected void doInit() {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            SameDiffLayer conf = (SameDiffLayer) layerConf();
            SameDiff sd = GraphPass.newGraph();
            SDVariable in = GraphPass.batchPlaceholder(sd, INPUT_KEY, dataType, input.shape());
            long[] maskShape = new long[input.rank()];
            Arrays.fill(maskShape, -1);
            SDVariable mask = sd.placeHolder(MASK_KEY, dataType, maskShape);
            Map<String, SDVariable> vars = GraphPass.parameterVariables(sd, conf.getLayerParams().getParamShapes(),
                    dataType);
            SDVariable out = conf.defineLayer(sd, in, vars, mask);
            Preconditions.checkNotNull(out, "%s: defineLayer returned null", structConf().describe());
            trainableKeys = GraphPass.bind(sd, out, paramTable, structConf().stateParameterKeys(), INPUT_KEY);
            outputVar = out;
            outputKey = out.name();
            sameDiff = sd;
        }
    }

    @Override
    public void setParam(String key, INDArray val) {
        INDArray current = paramTable.get(key);
        if (current == null) {
            throw new IllegalArgumentException(structConf().describe() + ": unknown parameter '" + key
                    + "'; parameters are " + paramTable.keySet());
        }
        if (!Arrays.equals(current.shape(), val.shape())) {
            throw new IllegalArgumentException(structConf().describe() + ": parameter '" + key + "' has shape "
                    + Arrays.toString(current.shape()) + "; cannot set an array of shape "
                            + Arrays.toString(val.shape()));
        }
        current.assign(val);
    }

    @Override
    public double calcRegularizationScore(boolean backpropParamsOnly) {
        double score = 0.0;
        for (Map.Entry<String, INDArray> e : paramTable.entrySet()) {
            List<Regularization> regs = layerConf().getRegularizationByParam(e.getKey());
            if (regs == null) {
                continue;
            }
            for (Regularization r : regs) {
                score += r.score(e.getValue(), getIterationCount(), getEpochCount());
            }
        }
        return score;
    }
}
