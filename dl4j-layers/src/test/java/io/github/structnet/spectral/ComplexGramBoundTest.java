package io.github.structnet.spectral;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The two routes of {@link ComplexGramBound} (OpenBLAS one matrix at a time, ND4J's batched products) give the same
 * bound, and, widened by the rounding margin its caller applies, it bounds the largest spectral norm of the batch from
 * above within the Gram factor.
 */
class ComplexGramBoundTest {

    @Test
    void directAndBatchedRoutesAgreeAndBoundTheLargestNorm() {
        Nd4j.getRandom().setSeed(3);
        int batch = 9;
        int n = 5;
        INDArray re = Nd4j.randn(DataType.DOUBLE, batch, n, n);
        INDArray im = Nd4j.randn(DataType.DOUBLE, batch, n, n);
        re.get(org.nd4j.linalg.indexing.NDArrayIndex.point(4)).muli(3); // one clear maximum, so others are dropped
        double largest = 0;
        INDArray a = Nd4j.create(DataType.DOUBLE, batch, n, n);
        INDArray b = Nd4j.create(DataType.DOUBLE, batch, n, n);
        for (int m = 0; m < batch; m++) {
            INDArray r = re.get(org.nd4j.linalg.indexing.NDArrayIndex.point(m));
            INDArray i = im.get(org.nd4j.linalg.indexing.NDArrayIndex.point(m));
            // Mᴴ M = Rᵀ R + Iᵀ I + i(Rᵀ I − Iᵀ R)
            a.get(org.nd4j.linalg.indexing.NDArrayIndex.point(m)).assign(r.transpose().mmul(r).add(i.transpose()
                    .mmul(i)));
            b.get(org.nd4j.linalg.indexing.NDArrayIndex.point(m)).assign(r.transpose().mmul(i).sub(i.transpose()
                    .mmul(r)));
            INDArray real = Nd4j.concat(0, Nd4j.concat(1, r, i.neg()), Nd4j.concat(1, i, r));
            largest = Math.max(largest, SpectralNorm.exact(real));
        }
        ComplexGramBound direct = new ComplexGramBound(7);
        direct.addDirect(a.dup(), b.dup());
        ComplexGramBound batched = new ComplexGramBound(7);
        batched.addBatched(a.dup(), b.dup());
        assertEquals(batched.upperBound(), direct.upperBound(), 1e-12 * largest);
        // the class bounds the norm up to double rounding (a CI run saw it 2 ulps below the SVD's value); its caller
        // ConvolutionNorm widens it by GramIteration.ROUNDING_MARGIN, and that widened value must be sound
        double certified = direct.upperBound() * (1.0 + GramIteration.ROUNDING_MARGIN);
        assertTrue(certified >= largest && direct.upperBound() <= largest * Math.pow(n, 1.0 / 512),
                "bound " + direct.upperBound() + " (widened " + certified + "), largest norm " + largest);
    }
}
