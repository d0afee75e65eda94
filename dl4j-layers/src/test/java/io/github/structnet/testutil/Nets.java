package io.github.structnet.testutil;

import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.Adam;
import org.deeplearning4j.nn.conf.inputs.InputType;

import java.util.List;
import java.util.Set;

/** Small helpers for the tests: double-precision base configurations and gradient checks. */
public final class Nets {

    private Nets() {
    }

    /** Base configuration for gradient checks: double precision, NoOp updater, fixed seed. */
    public static NeuralNetConfiguration.Builder gradientCheckBase() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        return new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).seed(12345).updater(new NoOp());
    }

    /** A double-precision network of the given layers (no output layer), initialised. */
    public static MultiLayerNetwork stack(InputType inputType, long seed,
            org.deeplearning4j.nn.conf.layers.Layer... layers) {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .seed(seed).updater(new NoOp()).list();
        for (org.deeplearning4j.nn.conf.layers.Layer l : layers) {
            list.layer(l);
        }
        MultiLayerNetwork net = new MultiLayerNetwork(list.setInputType(inputType).build());
        net.init();
        return net;
    }

    /**
     * An initialised network of the given layers (cloned, so a list can build several) trained with Adam at
     * {@code learningRate}, followed by an identity mean-squared-error loss layer when {@code withLoss}.
     */
    public static MultiLayerNetwork adamStack(InputType inputType, DataType type, long seed, double learningRate,
            boolean withLoss, List<? extends org.deeplearning4j.nn.conf.layers.Layer> layers) {
        Nd4j.setDefaultDataTypes(type, type);
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().dataType(type).seed(seed)
                .updater(new Adam(learningRate)).list();
        for (org.deeplearning4j.nn.conf.layers.Layer l : layers) {
            list.layer(l.clone());
        }
        if (withLoss) {
            list.layer(new org.deeplearning4j.nn.conf.layers.LossLayer.Builder(
                    org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction.MSE)
                    .activation(org.nd4j.linalg.activations.Activation.IDENTITY).build());
        }
        MultiLayerNetwork net = new MultiLayerNetwork(list.setInputType(inputType).build());
        net.init();
        return net;
    }

    /**
     * Everything a continued training run depends on, as one array: the parameters (power-iteration state included)
     * followed by the updater state. Two runs that agree on it bitwise continue identically.
     */
    public static double[] trainingState(MultiLayerNetwork net) {
        double[] params = net.params().dup().data().asDouble();
        double[] updater = net.getUpdater().getStateViewArray().dup().data().asDouble();
        double[] all = new double[params.length + updater.length];
        System.arraycopy(params, 0, all, 0, params.length);
        System.arraycopy(updater, 0, all, params.length, updater.length);
        return all;
    }

    /** An identity-activation output layer with a mean-squared-error loss, for gradient checks. */
    public static org.deeplearning4j.nn.conf.layers.OutputLayer mseOutput(int nOut) {
        return new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder(
                org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction.MSE).nOut(nOut)
                .activation(org.nd4j.linalg.activations.Activation.IDENTITY).build();
    }

    /** One-hot labels for n rows and k classes, class i mod k. */
    public static INDArray oneHot(int n, int k) {
        INDArray labels = Nd4j.zeros(DataType.DOUBLE, n, k);
        for (int i = 0; i < n; i++) {
            labels.putScalar(i, i % k, 1.0);
        }
        return labels;
    }

    public static boolean gradientsMatch(MultiLayerNetwork net, INDArray in, INDArray labels, Set<String> exclude) {
        return GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net).input(in).labels(labels)
                .epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-9).excludeParams(exclude)
                .print(GradientCheckUtil.PrintMode.FAILURES_ONLY).exitOnFirstError(false));
    }

    public static boolean gradientsMatch(ComputationGraph net, INDArray[] in, INDArray[] labels, Set<String> exclude) {
        return GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(net).inputs(in).labels(labels)
                .epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-9).excludeParams(exclude)
                .print(GradientCheckUtil.PrintMode.FAILURES_ONLY).exitOnFirstError(false));
    }
}
