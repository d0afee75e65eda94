package io.github.structnet.examples.bench;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.util.function.Supplier;

/**
 * One benchmarked configuration: a network (blocks followed by a loss layer), its input and label shapes, and the
 * floating-point operations of one training step counted from the block's formula (multiply-add = 2).
 *
 * @param name              row label
 * @param network           builds the network (float, Adam)
 * @param inputShape        shape of one input batch
 * @param labelShape        shape of one label batch
 * @param trainingFlops     floating-point operations of forward + backward (≈ 3 × forward)
 */
public record BenchmarkCase(String name, Supplier<MultiLayerNetwork> network, long[] inputShape, long[] labelShape,
                            double trainingFlops) {
}
