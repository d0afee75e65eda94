package io.github.structnet.keras;

import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.modelimport.keras.KerasLayer;
import org.deeplearning4j.nn.modelimport.keras.KerasModel;
import org.deeplearning4j.nn.modelimport.keras.KerasSequentialModel;
import org.deeplearning4j.nn.modelimport.keras.exceptions.InvalidKerasConfigurationException;
import org.deeplearning4j.nn.modelimport.keras.exceptions.UnsupportedKerasConfigurationException;
import org.deeplearning4j.nn.modelimport.keras.utils.KerasModelBuilder;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Imports Keras 2 HDF5 models built with deel-lip through DL4J's Keras import ({@code KerasModelImport}), with
 * StructNet's custom layers registered under deel-lip's class names (both "deel-lip&gt;Name" and "Name"):
 * <ul>
 *   <li>{@code SpectralDense}, {@code FrobeniusDense} → DL4J {@code DenseLayer} with deel-lip's inference kernel;</li>
 *   <li>{@code SpectralConv2D}, {@code FrobeniusConv2D} → DL4J {@code ConvolutionLayer} (NHWC), likewise;</li>
 *   <li>{@code GroupSort}, {@code GroupSort2}, {@code FullSort} → {@link io.github.structnet.lipschitz.GroupSort};</li>
 *   <li>{@code MaxMin} → {@link io.github.structnet.lipschitz.ConcatenatedRelu};</li>
 *   <li>{@code ScaledAveragePooling2D}, {@code ScaledGlobalAveragePooling2D} →
 *       {@link io.github.structnet.lipschitz.ScaledAveragePooling2D}; {@code ScaledL2NormPooling2D},
 *       {@code ScaledGlobalL2NormPooling2D} → {@link io.github.structnet.lipschitz.L2NormPooling2D};</li>
 *   <li>{@code InvertibleDownSampling} → {@link io.github.structnet.lipschitz.InvertibleDownsampling};</li>
 *   <li>deel-lip's "vanilla export" (plain Dense / Conv2D carrying the normalised kernels) and Keras' own layers
 *       import through DL4J unchanged.</li>
 * </ul>
 * The imported network computes what deel-lip computes at inference. Its Lipschitz bound is not taken from deel-lip:
 * certify it with {@link io.github.structnet.certify.NetworkLipschitz}, which bounds it from the imported weights
 * (a deel-lip layer is only as 1-Lipschitz as its stored kernel is). To keep training with a guarantee, convert the
 * network with {@link io.github.structnet.convert.LipschitzConverter}.
 * <p>Unsupported layers (deel-lip's or Keras') are refused by DL4J's importer with their class name; the message
 * from here adds the file and the deel-lip layers that are supported.
 */
public final class DeelLipImport {

    private static final Map<String, Class<? extends KerasLayer>> LAYERS = new LinkedHashMap<>();

    static {
        LAYERS.put("SpectralDense", KerasLipschitzDense.class);
        LAYERS.put("FrobeniusDense", KerasLipschitzDense.class);
        LAYERS.put("SpectralConv2D", KerasLipschitzConv2D.class);
        LAYERS.put("FrobeniusConv2D", KerasLipschitzConv2D.class);
        LAYERS.put("GroupSort", KerasGroupSort.class);
        LAYERS.put("GroupSort2", KerasGroupSort.class);
        LAYERS.put("FullSort", KerasGroupSort.class);
        LAYERS.put("MaxMin", KerasMaxMin.class);
        LAYERS.put("ScaledAveragePooling2D", KerasScaledPooling2D.class);
        LAYERS.put("ScaledGlobalAveragePooling2D", KerasScaledPooling2D.class);
        LAYERS.put("ScaledL2NormPooling2D", KerasScaledPooling2D.class);
        LAYERS.put("ScaledGlobalL2NormPooling2D", KerasScaledPooling2D.class);
        LAYERS.put("InvertibleDownSampling", KerasInvertibleDownSampling.class);
    }

    private DeelLipImport() {
    }

    /** Registers the deel-lip layers with DL4J's Keras import (idempotent; the import methods call it). */
    public static synchronized void registerLayers() {
        LAYERS.forEach((name, cls) -> {
            KerasLayer.registerCustomLayer("deel-lip>" + name, cls);
            KerasLayer.registerCustomLayer(name, cls);
        });
    }

    /** The deel-lip class names this import supports. */
    public static java.util.Set<String> supportedLayers() {
        return java.util.Collections.unmodifiableSet(LAYERS.keySet());
    }

    /**
     * Imports a Keras {@code Sequential} model with its weights (no training configuration needed) as a
     * MultiLayerNetwork, with the input type the file declares.
     */
    public static ImportedNetwork importSequential(Path h5) throws IOException {
        requireFile(h5);
        registerLayers();
        try (KerasModelBuilder builder = new KerasModel().modelBuilder().modelHdf5Filename(h5.toString())
                .enforceTrainingConfig(false)) {
            KerasSequentialModel model = builder.buildSequential();
            MultiLayerNetwork net = model.getMultiLayerNetwork();
            dropNoOpDropout(net.getLayers());
            return new ImportedNetwork(net,
                    model.getOutputTypes().get(model.getInputLayerNames().get(0)));
        } catch (InvalidKerasConfigurationException | UnsupportedKerasConfigurationException | RuntimeException e) {
            throw failure(h5, e);
        }
    }

    /** Imports a Keras functional {@code Model} with its weights as a ComputationGraph, with its input types. */
    public static ImportedGraph importFunctional(Path h5) throws IOException {
        requireFile(h5);
        registerLayers();
        try (KerasModelBuilder builder = new KerasModel().modelBuilder().modelHdf5Filename(h5.toString())
                .enforceTrainingConfig(false)) {
            KerasModel model = builder.buildModel();
            InputType[] inputs = model.getInputLayerNames().stream().map(model.getOutputTypes()::get)
                    .toArray(InputType[]::new);
            ComputationGraph graph = model.getComputationGraph();
            dropNoOpDropout(graph.getLayers());
            return new ImportedGraph(graph, inputs);
        } catch (InvalidKerasConfigurationException | UnsupportedKerasConfigurationException | RuntimeException e) {
            throw failure(h5, e);
        }
    }

    /**
     * Removes the dropout with retain probability 1 that DL4J's Keras import puts on every layer: it does nothing,
     * but DL4J's convolution layers fail to backpropagate through it in NHWC (a fine-tuning user would hit that).
     */
    private static void dropNoOpDropout(org.deeplearning4j.nn.api.Layer[] layers) {
        for (org.deeplearning4j.nn.api.Layer layer : layers) {
            org.deeplearning4j.nn.conf.layers.Layer conf = layer.conf().getLayer();
            if (conf.getIDropout() instanceof Dropout d && d.getP() == 1.0 && d.getPSchedule() == null) {
                conf.setIDropout(null);
            }
        }
    }

    private static void requireFile(Path h5) throws IOException {
        if (!Files.isRegularFile(h5)) {
            throw new FileNotFoundException("deel-lip import: no such file " + h5.toAbsolutePath());
        }
        if (Files.size(h5) < 8) {
            throw new IOException("deel-lip import: " + h5.toAbsolutePath() + " is not an HDF5 file ("
                    + Files.size(h5) + " bytes)");
        }
    }

    private static IOException failure(Path h5, Exception e) {
        String message = String.valueOf(e.getMessage());
        if (e instanceof UnsupportedKerasConfigurationException && message.contains("Unsupported keras layer type")) {
            message += " (deel-lip layers supported here: " + String.join(", ", LAYERS.keySet()) + ")";
        }
        return new IOException("deel-lip import of " + h5.toAbsolutePath() + " failed: " + message, e);
    }
}
