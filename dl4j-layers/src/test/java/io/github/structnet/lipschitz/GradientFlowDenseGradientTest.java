package io.github.structnet.lipschitz;

import io.github.structnet.testutil.Nets;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertTrue;

class GradientFlowDenseGradientTest {

    @Test
    void stackPassesGradientCheckInMultiLayerNetwork() {
        Nd4j.getRandom().setSeed(1);
        MultiLayerConfiguration conf = Nets.gradientCheckBase().list()
                .layer(new GradientFlowDense.Builder().nHidden(5).activation(Activation.TANH).build())
                .layer(new GradientFlowDense.Builder().nHidden(3).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(2).activation(Activation.IDENTITY).build())
                .setInputType(InputType.feedForward(4)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        INDArray in = Nd4j.rand(DataType.DOUBLE, 3, 4);
        INDArray labels = Nd4j.rand(DataType.DOUBLE, 3, 2);
        assertTrue(Nets.gradientsMatch(net, in, labels, Set.of("0_v", "1_v")));
    }
}
