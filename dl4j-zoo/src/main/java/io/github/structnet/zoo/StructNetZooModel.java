package io.github.structnet.zoo;

import io.github.structnet.updater.InPlaceUpdate;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.zoo.PretrainedType;
import org.deeplearning4j.zoo.ZooModel;

import java.io.IOException;
import java.util.Arrays;

/**
 * A StructNet model of the zoo: DL4J's {@link ZooModel} whose pretrained weights come from this jar, verified, through
 * DL4J's own cache and loader (see the package documentation). No network access, ever.
 */
public abstract class StructNetZooModel extends ZooModel<StructNetZooModel> {

    /** The architecture {@link #init()} builds, with the builder's settings. */
    public abstract MultiLayerConfiguration conf();

    /** The untrained network of {@link #conf()}, initialised. */
    @Override
    @SuppressWarnings("unchecked")
    public MultiLayerNetwork init() {
        MultiLayerNetwork net = new MultiLayerNetwork(conf());
        net.init();
        InPlaceUpdate.install(net);
        return net;
    }

    @Override
    public Class<? extends Model> modelType() {
        return MultiLayerNetwork.class;
    }

    /**
     * Refuses any input shape but {@code supported} (one input), naming the model, the shape given and {@code what}
     * (what is supported, in words).
     */
    protected void requireInputShape(int[][] given, int[] supported, String what) {
        if (given.length != 1 || !Arrays.equals(given[0], supported)) {
            throw new IllegalArgumentException(modelName() + ": input shape " + Arrays.deepToString(given)
                    + " is not supported; " + what);
        }
    }

    /** The shipped weights for a pretrained type, or null if this model has none for it. */
    protected abstract PretrainedWeights weights(PretrainedType type);

    /** The pretrained type {@link #initPretrained()} loads. */
    protected abstract PretrainedType defaultPretrainedType();

    @Override
    public String pretrainedUrl(PretrainedType type) {
        PretrainedWeights w = weights(type);
        return w == null ? null : w.url().toString();
    }

    @Override
    public long pretrainedChecksum(PretrainedType type) {
        PretrainedWeights w = weights(type);
        return w == null ? 0L : w.adler32();
    }

    @Override
    public Model initPretrained() throws IOException {
        return initPretrained(defaultPretrainedType());
    }

    /**
     * The trained network: its weights file is installed in DL4J's cache from this jar (verified; see the package
     * documentation), then loaded by DL4J's own {@code ZooModel} code.
     */
    @Override
    public <M extends Model> M initPretrained(PretrainedType type) throws IOException {
        PretrainedWeights w = weights(type);
        if (w == null) {
            throw new UnsupportedOperationException(modelName() + ": no pretrained weights for " + type
                    + "; this model has them for " + defaultPretrainedType());
        }
        WeightsCache.install(modelName(), w);
        return super.initPretrained(type);
    }
}
