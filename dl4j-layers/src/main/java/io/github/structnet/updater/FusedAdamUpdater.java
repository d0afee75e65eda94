package io.github.structnet.updater;

import io.github.structnet.kernels.DirectAdam;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.config.Adam;

/**
 * The {@link FusedAdam} step on one block of parameters: {@link DirectAdam} where it takes the arrays, otherwise
 * ND4J's {@code adam_updater} op (DL4J's {@link AdamUpdater}); the state is Adam's.
 */
public class FusedAdamUpdater extends AdamUpdater {

    public FusedAdamUpdater(FusedAdam config) {
        super(config);
    }

    @Override
    public void applyUpdater(INDArray gradient, int iteration, int epoch) {
        if (getM() == null || getV() == null) {
            throw new IllegalStateException("FusedAdam: the updater has no state; it was not initialised with a state "
                    + "view array (setStateViewArray) or state map (setState)");
        }
        Adam config = getConfig();
        if (!DirectAdam.step(gradient, getM(), getV(), config.getLearningRate(iteration, epoch), config.getBeta1(),
                config.getBeta2(), config.getEpsilon(), iteration)) {
            super.applyUpdater(gradient, iteration, epoch);
        }
    }
}
