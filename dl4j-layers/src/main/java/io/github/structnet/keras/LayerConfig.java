package io.github.structnet.keras;

import org.deeplearning4j.nn.modelimport.keras.exceptions.UnsupportedKerasConfigurationException;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Reading a Keras layer's configuration: {"class_name": …, "config": {…}} (internal). */
final class LayerConfig {

    private final Map<String, Object> layer;
    private final Map<String, Object> config;

    @SuppressWarnings("unchecked")
    LayerConfig(Map<String, Object> layer) {
        this.layer = layer;
        Object c = layer.get("config");
        this.config = c instanceof Map ? (Map<String, Object>) c : Map.of();
    }

    String className() {
        return String.valueOf(layer.get("class_name"));
    }

    String name() {
        return String.valueOf(config.getOrDefault("name", "?"));
    }

    /** "deel-lip>SpectralDense 'dense_1'", for messages. */
    String describe() {
        return "Keras layer " + className() + " '" + name() + "'";
    }

    boolean has(String key) {
        return config.get(key) != null;
    }

    double number(String key, double otherwise) {
        Object v = config.get(key);
        return v instanceof Number n ? n.doubleValue() : otherwise;
    }

    int integer(String key, int otherwise) {
        Object v = config.get(key);
        return v instanceof Number n ? n.intValue() : otherwise;
    }

    boolean bool(String key, boolean otherwise) {
        Object v = config.get(key);
        return v instanceof Boolean b ? b : otherwise;
    }

    String string(String key, String otherwise) {
        Object v = config.get(key);
        return v == null ? otherwise : String.valueOf(v);
    }

    /** A square window or stride: an int or a pair of equal ints. */
    int square(String key, int otherwise) throws UnsupportedKerasConfigurationException {
        Object v = config.get(key);
        if (v == null) {
            return otherwise;
        }
        if (v instanceof Number n) {
            return n.intValue();
        }
        if (v instanceof List<?> l && l.size() == 2 && l.get(0) instanceof Number a && l.get(1) instanceof Number b
                && a.intValue() == b.intValue()) {
            return a.intValue();
        }
        throw new UnsupportedKerasConfigurationException(describe() + ": " + key + " = " + v
                + " is not supported; square windows (k, k) are");
    }

    /** Refuses k_coef_lip ≠ 1 on a layer whose StructNet counterpart has no scale. */
    void requireUnitCoefficient() throws UnsupportedKerasConfigurationException {
        double k = number("k_coef_lip", 1.0);
        if (k != 1.0) {
            throw new UnsupportedKerasConfigurationException(describe() + ": k_coef_lip = " + k
                    + " is not supported on this layer; only 1.0 is");
        }
    }

    /** Refuses channels_first, which Keras runs only on GPUs and deel-lip's sorting layers refuse too. */
    void requireChannelsLast() throws UnsupportedKerasConfigurationException {
        String format = string("data_format", "channels_last");
        if (!"channels_last".equals(format)) {
            throw new UnsupportedKerasConfigurationException(describe() + ": data_format = " + format
                    + " is not supported; channels_last is");
        }
    }

    /**
     * A copy for DL4J's own Dense/Conv2D readers: deel-lip's kernel initializer (irrelevant once weights are loaded,
     * unknown to DL4J) replaced by Glorot.
     */
    static Map<String, Object> forDl4jReader(Map<String, Object> layer) {
        Map<String, Object> copy = new HashMap<>(layer);
        @SuppressWarnings("unchecked")
        Map<String, Object> config = new HashMap<>((Map<String, Object>) layer.get("config"));
        Map<String, Object> glorot = new HashMap<>();
        glorot.put("class_name", "GlorotUniform");
        glorot.put("config", new HashMap<String, Object>());
        config.put("kernel_initializer", glorot);
        copy.put("config", config);
        return copy;
    }
}
