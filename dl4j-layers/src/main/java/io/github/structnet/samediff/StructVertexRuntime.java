package io.github.structnet.samediff;

import io.github.structnet.kernels.GlibcHeap;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.samediff.SameDiffGraphVertex;
import org.deeplearning4j.nn.params.SameDiffParamInitializer;
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

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The corrected runtime of a {@link StructVertex} (internal): exact gradients (loss Σ out ⊙ ε), state
 * updates once per training iteration, and the graph run outside DL4J's workspaces with results copied
 * in, which removes the crash of the stock vertex when its graph holds a reduction.
 */
public class StructVertexRuntime extends SameDiffGraphVertex {

    private final StructVertex structConfig;
    private final GraphPass.StateClock stateClock = new GraphPass.StateClock();
    private List<String> trainableKeys;
    private DirectVertexPass.Forward<?> lastForward;

    public StructVertexRuntime(StructVertex config, ComputationGraph graph, String name, int vertexIndex,
                               INDArray paramsView, boolean initParams, DataType dataType) {
        super(config, graph, name, vertexIndex, paramsView, initParams, dataType);
        this.structConfig = config;
        GlibcHeap.install();
    }

    @Override
    public String toString() {
        return structConfig.describe();
    }

    /** All parameters, or with {@code backpropParamsOnly} the trained ones: the state is not trained by backprop. */
    @Override
    public Map<String, INDArray> paramTable(boolean backpropParamsOnly) {
        Map<String, INDArray> all = super.paramTable(backpropParamsOnly);
        return backpropParamsOnly ? GraphPass.withoutState(all, structConfig.stateParameterKeys()) : all;
    }

    /** The output of either route; in inference the pass is complete, so the input masks are dropped after it. */
    @Override
    public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
        INDArray out = structConfig instanceof DirectVertexPass<?> direct
                ? directForward(direct, training, workspaceMgr) : graphForward(training, workspaceMgr);
        if (!training) {
            forgetMasks();
        }
        return out;
    }

    private INDArray graphForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
        INDArray out;
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            ensureGraph();
            structConfig.validateInput(inputs);
            if (training && stateClock.advance(graph.getConfiguration().getIterationCount())) {
                structConfig.updateState(paramTable);
            }
            out = sameDiff.outputSingle(placeholders(training), outputKey);
            sameDiff.clearPlaceholders(true);
            sameDiff.clearOpInputs();
        }
        return workspaceMgr.dup(ArrayType.ACTIVATIONS, out);
    }

    /** Forward through a {@link DirectVertexPass}, keeping what backprop needs in training. */
    private INDArray directForward(DirectVertexPass<?> direct, boolean training, LayerWorkspaceMgr workspaceMgr) {
        INDArray out;
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            structConfig.validateInput(inputs);
            DirectVertexPass.Forward<?> f = direct.forward(paramTable, inputs.clone(), maskArrays, training);
            lastForward = training ? f : null;
            out = f.output();
        }
        return workspaceMgr.dup(ArrayType.ACTIVATIONS, out);
    }

    /** Backprop through a {@link DirectVertexPass}: reuses the training forward pass of these inputs, or runs one. */
    @SuppressWarnings("unchecked") // lastForward was made by the same direct pass
    private <S extends Record> Pair<Gradient, INDArray[]> directBackward(DirectVertexPass<S> direct,
                                                                        LayerWorkspaceMgr workspaceMgr) {
        Gradient gradient = new DefaultGradient();
        INDArray[] inputGrads;
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            DirectVertexPass.Forward<S> f = (DirectVertexPass.Forward<S>) lastForward;
            if (f == null || !sameArrays(f.inputs(), inputs)) {
                f = direct.forward(paramTable, inputs.clone(), maskArrays, true);
            }
            DirectVertexPass.Backward b = direct.backward(paramTable, f, epsilon);
            GraphPass.copyGradients(b.parameterGradients(), gradTable,
                    GraphPass.trainableKeys(paramTable, structConfig.stateParameterKeys()),
                    structConfig.stateParameterKeys(), gradient);
            inputGrads = b.inputGradients();
            lastForward = null;
        }
        for (int i = 0; i < inputGrads.length; i++) {
            inputGrads[i] = workspaceMgr.dup(ArrayType.ACTIVATION_GRAD, inputGrads[i]);
        }
        return new Pair<>(gradient, inputGrads);
    }

    /**
     * Drops the input masks once a pass is complete: ComputationGraph sets a vertex's masks when a call has some but
     * never clears them (clearLayerMaskArrays reaches layers only), so a later call without masks, perhaps with
     * another minibatch size, would otherwise see the old ones.
     */
    private void forgetMasks() {
        maskArrays = null;
    }

    private static boolean sameArrays(INDArray[] a, INDArray[] b) {
        if (a.length != b.length) {
            return false;
        }
        for (int i = 0; i < a.length; i++) {
            if (a[i] != b[i]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
        Pair<Gradient, INDArray[]> result = structConfig instanceof DirectVertexPass<?> direct
                ? directBackward(direct, workspaceMgr) : graphBackward(workspaceMgr);
        forgetMasks(); // the training pass is complete
        return result;
    }

    private Pair<Gradient, INDArray[]> graphBackward(LayerWorkspaceMgr workspaceMgr) {
        Gradient gradient = new DefaultGradient();
        List<String> inputNames = structConfig.getVertexParams().getInputs();
        INDArray[] inputGrads = new INDArray[inputNames.size()];
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            ensureGraph();
            Map<String, INDArray> ph = placeholders(true);
            ph.put(GraphPass.EPSILON, epsilon);
            List<String> wanted = new ArrayList<>(trainableKeys);
            wanted.addAll(inputNames);
            Map<String, INDArray> grads = sameDiff.calculateGradients(ph, wanted);
            GraphPass.copyGradients(grads, gradTable, trainableKeys, structConfig.stateParameterKeys(), gradient);
            for (int i = 0; i < inputGrads.length; i++) {
                inputGrads[i] = GraphPass.inputGradient(grads, inputNames.get(i), structConfig.describe());
            }
            sameDiff.clearPlaceholders(true);
            sameDiff.clearOpInputs();
        }
        for (int i = 0; i < inputGrads.length; i++) {
            inputGrads[i] = workspaceMgr.dup(ArrayType.ACTIVATION_GRAD, inputGrads[i]);
        }
        return new Pair<>(gradient, inputGrads);
    }

    private Map<String, INDArray> placeholders(boolean training) {
        Map<String, INDArray> ph = new HashMap<>();
        List<String> names = structConfig.getVertexParams().getInputs();
        for (int i = 0; i < names.size(); i++) {
            ph.put(names.get(i), inputs[i]);
            INDArray mask = maskArrays != null ? maskArrays[i] : null;
            ph.put(names.get(i) + MASK_SUFFIX, mask != null ? mask : onesMask(inputs[i]));
        }
        ph.putAll(structConfig.placeholderValues(paramTable, inputs, training));
        return ph;
    }

    private static final String MASK_SUFFIX = "_mask";

    private INDArray onesMask(INDArray in) {
        switch (in.rank()) {
            case 2: return Nd4j.ones(dataType, in.size(0), 1);
            case 3: return Nd4j.ones(dataType, in.size(0), in.size(2));
            case 4: return Nd4j.ones(dataType, in.size(0), 1, 1, 1);
            default: throw new IllegalArgumentException(structConfig.describe() + ": inputs of rank " + in.rank()
                    + " are not supported; allowed ranks are 2 (feed-forward), 3 (recurrent) and 4 (convolutional)");
        }
    }

    private void ensureGraph() {
        if (sameDiff == null) {
            doInit();
        }
    }

    @Override
    protected void doInit() {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            SameDiff sd = GraphPass.newGraph();
            Map<String, SDVariable> inputVarsByName = new LinkedHashMap<>();
            Map<String, SDVariable> maskVars = new LinkedHashMap<>();
            List<String> names = structConfig.getVertexParams().getInputs();
            for (int i = 0; i < names.size(); i++) {
                inputVarsByName.put(names.get(i), GraphPass.batchPlaceholder(sd, names.get(i), dataType,
                        inputs[i].shape()));
                maskVars.put(names.get(i), GraphPass.batchPlaceholder(sd, names.get(i) + MASK_SUFFIX, dataType,
                        onesMask(inputs[i]).shape()));
            }
            Map<String, SDVariable> vars = GraphPass.parameterVariables(sd,
                    structConfig.getVertexParams().getParamShapes(), dataType);
            SDVariable out = structConfig.defineVertex(sd, inputVarsByName, vars, maskVars);
            Preconditions.checkNotNull(out, "%s: defineVertex returned null", structConfig.describe());
            trainableKeys = GraphPass.bind(sd, out, paramTable, structConfig.stateParameterKeys(),
                    names.toArray(new String[0]));
            inputVars = inputVarsByName;
            outputVar = out;
            outputKey = out.name();
            sameDiff = sd;
        }
    }

    @Override
    public void setBackpropGradientsViewArray(INDArray view) {
        this.gradients = view;
        this.gradTable = SameDiffParamInitializer.getInstance().subsetAndReshape(
                structConfig.getVertexParams().getParameterKeys(), structConfig.getVertexParams().getParamShapes(),
                view, null, structConfig);
    }
}
