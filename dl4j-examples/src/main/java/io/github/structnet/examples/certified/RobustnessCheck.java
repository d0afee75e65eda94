package io.github.structnet.examples.certified;

import io.github.structnet.certify.Attacks;
import io.github.structnet.certify.MarginCertificate;
import io.github.structnet.certify.NetworkLipschitz;
import io.github.structnet.examples.common.CertifiedReport;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Certificates on a whole test set and an L2 PGD attack on its first examples, with the two soundness checks a
 * certificate must pass against the attack: no attacked pair (x, x′) has ‖f(x) − f(x′)‖/‖x − x′‖ above the
 * certified bound L, and no example certified at ε is misclassified after the attack at ε.
 *
 * @param report             clean / certified / PGD accuracy (PGD on the attacked examples)
 * @param maxAttackRatio     the largest ‖f(x) − f(x′)‖₂ / ‖x − x′‖₂ over all attacked pairs (logits)
 * @param certifiedFlipped   examples certified at ε yet misclassified after PGD at ε, summed over ε
 * @param certifiedOnAttacked certified accuracy at each ε on the attacked examples (compare with PGD accuracy)
 */
public record RobustnessCheck(CertifiedReport report, double maxAttackRatio, int certifiedFlipped,
                              double[] certifiedOnAttacked) {

    /** Evaluates {@code net} (logits at {@code logitsLayer}); attacks the first {@code attacked} test examples. */
    public static RobustnessCheck run(String name, MultiLayerNetwork net, int logitsLayer, DataSet test,
                                      double[] epsilons, int attacked, int pgdSteps) {
        INDArray logits = CertifiedReport.logits(net, logitsLayer, test.getFeatures());
        double bound = NetworkLipschitz.upperBound(net, logitsLayer, CertifiedMnistModels.INPUT);
        return attack(name, net, logitsLayer, test, epsilons, attacked, pgdSteps, logits, bound,
                MarginCertificate.radii(logits, test.getLabels(), bound));
    }

    /**
     * The same with the radii of {@link MarginCertificate#pairwiseRadii}: the body's bound up to the input of the
     * (affine) logits layer and that layer's weights, read off its output.
     */
    public static RobustnessCheck runPairwise(String name, MultiLayerNetwork net, int logitsLayer, int logitsInputs,
                                              DataSet test, double[] epsilons, int attacked, int pgdSteps) {
        INDArray logits = CertifiedReport.logits(net, logitsLayer, test.getFeatures());
        double bound = NetworkLipschitz.upperBound(net, logitsLayer, CertifiedMnistModels.INPUT);
        double bodyBound = NetworkLipschitz.upperBound(net, logitsLayer - 1, CertifiedMnistModels.INPUT);
        INDArray weights = MarginCertificate.affineWeights(net, logitsLayer, logitsInputs);
        return attack(name, net, logitsLayer, test, epsilons, attacked, pgdSteps, logits, bound,
                MarginCertificate.pairwiseRadii(logits, test.getLabels(), bodyBound, weights));
    }

    private static RobustnessCheck attack(String name, MultiLayerNetwork net, int logitsLayer, DataSet test,
                                          double[] epsilons, int attacked, int pgdSteps, INDArray logits,
                                          double bound, double[] radii) {
        int n = Math.min(attacked, test.numExamples());
        INDArray x = test.getFeatures().get(NDArrayIndex.interval(0, n), NDArrayIndex.all());
        INDArray y = test.getLabels().get(NDArrayIndex.interval(0, n), NDArrayIndex.all());
        INDArray cleanLogits = logits.get(NDArrayIndex.interval(0, n), NDArrayIndex.all());
        INDArray truth = y.argMax(1);
        double[] certified = new double[epsilons.length];
        double[] certifiedOnAttacked = new double[epsilons.length];
        double[] pgd = new double[epsilons.length];
        double maxRatio = 0;
        int flipped = 0;
        for (int e = 0; e < epsilons.length; e++) {
            certified[e] = MarginCertificate.certifiedAccuracy(radii, epsilons[e]);
            INDArray adv = Attacks.pgd(Attacks.of(net), x, y, Attacks.Pgd.of(epsilons[e], pgdSteps, 1 + e));
            INDArray advLogits = CertifiedReport.logits(net, logitsLayer, adv);
            INDArray predicted = advLogits.argMax(1);
            int correct = 0;
            int certifiedHere = 0;
            for (int i = 0; i < n; i++) {
                boolean right = predicted.getLong(i) == truth.getLong(i);
                correct += right ? 1 : 0;
                if (radii[i] >= epsilons[e]) {
                    certifiedHere++;
                    flipped += right ? 0 : 1;
                }
            }
            pgd[e] = (double) correct / n;
            certifiedOnAttacked[e] = (double) certifiedHere / n;
            INDArray ratios = advLogits.sub(cleanLogits).norm2(1).div(adv.sub(x).norm2(1).addi(1e-30));
            maxRatio = Math.max(maxRatio, ratios.maxNumber().doubleValue());
        }
        return new RobustnessCheck(new CertifiedReport(name, bound, radii, epsilons.clone(), certified, pgd), maxRatio,
                flipped, certifiedOnAttacked);
    }

    /** True when the attack found nothing the certificate rules out. */
    public boolean sound() {
        if (maxAttackRatio > report.lipschitzBound() * (1 + 1e-6) || certifiedFlipped > 0) {
            return false;
        }
        for (int e = 0; e < certifiedOnAttacked.length; e++) {
            if (report.attackedAccuracy()[e] < certifiedOnAttacked[e]) {
                return false;
            }
        }
        return true;
    }
}
