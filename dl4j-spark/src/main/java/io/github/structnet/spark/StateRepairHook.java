package io.github.structnet.spark;

import io.github.structnet.samediff.StateRepair;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.spark.api.TrainingHook;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * A Spark training hook that repairs the StructNet state of a worker's copy of the network before every minibatch
 * ({@link StateRepair}): parameter averaging averages the power-iteration vectors of the workers with the weights,
 * which leaves them shorter than unit norm, or zero where two copies converged to opposite signs. The first case is
 * renormalised; the second re-derived from the averaged weights. A vector already of unit norm is left bit for bit.
 */
public final class StateRepairHook implements TrainingHook {

    private static final long serialVersionUID = 1L;

    @Override
    public void preUpdate(DataSet minibatch, Model model) {
        StateRepair.repair(model);
    }

    @Override
    public void postUpdate(DataSet minibatch, Model model) {
        // the training step itself keeps the state valid
    }

    @Override
    public void preUpdate(MultiDataSet minibatch, Model model) {
        StateRepair.repair(model);
    }

    @Override
    public void postUpdate(MultiDataSet minibatch, Model model) {
        // as for DataSet
    }
}
