package io.github.structnet.updater;

import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.graph.ComputationGraphUpdater;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's {@link ComputationGraphUpdater}, applying the graph's own gradient in place through its per-block views
 * ({@link InPlaceUpdate}); bitwise the same updates. Install it with {@link InPlaceUpdate#install(ComputationGraph)}.
 */
public class InPlaceGraphUpdater extends ComputationGraphUpdater {

    private long inPlaceUpdates;

    /** An updater for {@code graph} with the given state (null: new, zero state). */
    public InPlaceGraphUpdater(ComputationGraph graph, INDArray updaterState) {
        super(graph, updaterState);
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
}
