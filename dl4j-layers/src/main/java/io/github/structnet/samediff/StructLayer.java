package io.github.structnet.samediff;

import lombok.Data;
import lombok.EqualsAndHashCode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.regularization.Regularization;

import java.util.Collection;
import java.util.List;

/**
 * Base configuration of every StructNet SameDiff layer. Its {@link #instantiate} returns the corrected
 * runtime {@link StructLayerRuntime} (exact gradients, working {@code setParam}, regularisation score,
 * state updates) instead of DL4J's stock one.
 * <p>State parameters ({@link #stateParameterKeys()}) get a {@link NoOp} updater and no regularisation.
 */
@Data
@EqualsAndHashCode(callSuper = true)
public abstract class StructLayer extends SameDiffLayer implements StructuredParameters {

    protected StructLayer(Builder<?> builder) {
        super(builder);
    }

    protected StructLayer() {
        // for Jackson
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
                                                      Collection<TrainingListener> trainingListeners, int layerIndex,
                                                      INDArray layerParamsView, boolean initializeParams,
                                                      DataType networkDataType) {
        StructLayerRuntime layer = new StructLayerRuntime(conf, networkDataType);
        layer.setIndex(layerIndex);
        layer.setParamsViewArray(layerParamsView);
        layer.setParamTable(initializer().init(conf, layerParamsView, initializeParams));
        layer.setConf(conf);
        layer.setListeners(trainingListeners);
        return layer;
    }

    @Override
    public IUpdater getUpdaterByParam(String paramName) {
        return updaterFor(paramName, super.getUpdaterByParam(paramName));
    }

    @Override
    public List<Regularization> getRegularizationByParam(String paramName) {
        return regularizationFor(paramName, super.getRegularizationByParam(paramName));
    }

    @Override
    public String describe() {
        return StructuredParameters.describe(this, getLayerName());
    }

    /**
     * Checks an input array before the forward pass: shape and finiteness. Subclasses add their checks and
     * call this.
     */
    @Override
    public void validateInput(INDArray input) {
        GraphPass.requireFinite(input, describe(), "input");
    }
}
