package io.github.structnet.kernels;

import io.github.structnet.spectral.LinearOperator;
import io.github.structnet.spectral.PowerIteration;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The routes that avoid creating ND4J arrays in a training step compute what the ND4J routes compute: scaling, the
 * total of a matrix, ReLU through the thread's reused op, the power-iteration step of a matrix in reused rows; and
 * the rows a thread reuses are the same arrays call after call.
 */
class AllocationFreeKernelsTest {

    @Test
    void scaleMatchesMultiplicationInBothPrecisions() {
        for (DataType type : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
            INDArray x = Nd4j.randn(type, 3, 7);
            INDArray expected = x.mul(-0.37);
            assertSame(x, Vectors.scale(x, -0.37));
            assertTrue(expected.equalsWithEps(x, type == DataType.DOUBLE ? 1e-15 : 1e-6));
        }
    }

    @Test
    void totalOfAMatrixAndOfARank4ArrayMatchesNd4jSum() {
        INDArray m = Nd4j.randn(DataType.DOUBLE, 9, 13);
        assertEquals(m.sumNumber().doubleValue(), Sums.total(m), 1e-12);
        INDArray t = Nd4j.randn(DataType.DOUBLE, 2, 3, 4, 5);
        assertEquals(t.sumNumber().doubleValue(), Sums.total(t), 1e-12);
    }

    @Test
    void reluThroughTheReusedOpMatchesNd4jAndKeepsNoInput() {
        for (DataType type : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
            INDArray z = Nd4j.randn(type, 5, 6);
            INDArray out = Nd4j.create(type, 5, 6);
            ActivationPass.activate(Activation.RELU, z, out, true);
            assertArrayEquals(Transforms.relu(z, true).data().asDouble(), out.data().asDouble());
            INDArray inPlace = z.dup();
            ActivationPass.activate(Activation.RELU, inPlace, inPlace, true);
            assertArrayEquals(out.data().asDouble(), inPlace.data().asDouble());
        }
    }

    @Test
    void matrixPowerIterationStepEqualsTheOperatorStep() {
        Nd4j.getRandom().setSeed(4);
        INDArray w = Nd4j.randn(DataType.DOUBLE, 6, 9);
        INDArray start = Nd4j.randn(DataType.DOUBLE, 1, 9);
        INDArray viaRows = start.dup();
        INDArray viaOperator = start.dup();
        PowerIteration.advance(w, viaRows, 3);
        PowerIteration.advance(LinearOperator.ofMatrix(w), viaOperator, 3);
        assertTrue(viaOperator.equalsWithEps(viaRows, 1e-14), viaOperator + " vs " + viaRows);
        assertEquals(1.0, viaRows.norm2Number().doubleValue(), 1e-14);
    }

    @Test
    void threadRowsAreReusedPerNameTypeAndLength() {
        INDArray a = ThreadScratch.row("test.a", DataType.FLOAT, 5);
        assertSame(a, ThreadScratch.row("test.a", DataType.FLOAT, 5));
        assertArrayEquals(new long[]{1, 5}, a.shape());
        assertNotSame(a, ThreadScratch.row("test.b", DataType.FLOAT, 5));
        assertNotSame(a, ThreadScratch.row("test.a", DataType.DOUBLE, 5));
        assertNotSame(a, ThreadScratch.row("test.a", DataType.FLOAT, 6));
        // past the thread's budget the rows are forgotten (not closed): the old one stays usable
        ThreadScratch.row("test.large", DataType.DOUBLE, ThreadScratch.MAX_BYTES / 8);
        assertNotSame(a, ThreadScratch.row("test.a", DataType.FLOAT, 5));
        assertEquals(5, a.assign(1).sumNumber().intValue());
    }
}
