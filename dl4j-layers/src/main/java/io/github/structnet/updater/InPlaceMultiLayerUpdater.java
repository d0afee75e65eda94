package io.github.structnet.updater;

import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.MultiLayerUpdater;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's {@link MultiLayerUpdater}, applying the network's own gradient in place through its per-block views
 * ({@link InPlaceUpdate}); bitwise the same updates. Install it with {@link InPlaceUpdate#install(MultiLayerNetwork)}.
 */
public class InPlaceMultiLayerUpdater extends MultiLayerUpdater {

    private long inPlaceUpdates;

    /** An updater for {@code network} with the given state (null: new, zero state). */
    public InPlaceMultiLayerUpdater(MultiLayerNetwork network, INDArray updaterState) {
        super(network, updaterState);
    }

    @Override
    public synchronized void update(Gradient gradient, int iteration, int epoch, int batchSize,
                                    LayerWorkspaceMgr workspaceMgr) {
        Gradient handed = InPlaceUpdate.withOwnView(gradient, getFlattenedGradientsView());
        if (handed != gradient) {
            inPlaceUpdates++;
        }
        super.update(handed, iteration, epoch, batchSize, workspaceMgr);
    }

    /** How many updates this updater applied in place (the network's own gradient), since it was made. */
    public synchronized long inPlaceUpdates() {
        return inPlaceUpdates;
    }

    @Override
    public Updater clone() {
        return new InPlaceMultiLayerUpdater(network, null);
    }
}
