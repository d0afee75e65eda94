package io.github.structnet.examples.common;

import io.github.structnet.certify.Attacks;
import io.github.structnet.certify.MarginCertificate;
import io.github.structnet.certify.NetworkLipschitz;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.List;

import java.util.Locale;

/**
 * Clean, certified and attacked accuracy of a classifier whose logits are the output of a given layer, with the
 * certified Lipschitz bound of the network up to that layer.
 *
 * @param name              model name for tables
 * @param lipschitzBound    certified upper bound L of the logits' Lipschitz constant
 * @param radii             per-sample certified radii M(x)/(√2 L)
 * @param epsilons          the ε of the table
 * @param certifiedAccuracy certified accuracy at each ε
 * @param attackedAccuracy  accuracy under ℓ2 PGD (random start) at each ε on the attacked examples: an upper bound of
 *                          the robust accuracy, never below the certified one when the certificate is sound
 */
public record CertifiedReport(String name, double lipschitzBound, double[] radii, double[] epsilons,
                              double[] certifiedAccuracy, double[] attackedAccuracy) {

    /** Evaluates a network on a data set: certificates and a 20-step PGD on every example. */
    public static CertifiedReport evaluate(String name, MultiLayerNetwork net, int logitsLayer, DataSet data,
                                           double[] epsilons) {
        INDArray logits = logits(net, logitsLayer, data.getFeatures());
        double bound = NetworkLipschitz.upperBound(net, logitsLayer);
        double[] radii = MarginCertificate.radii(logits, data.getLabels(), bound);
        double[] acc = new double[epsilons.length];
        double[] attacked = new double[epsilons.length];
        for (int i = 0; i < epsilons.length; i++) {
            acc[i] = MarginCertificate.certifiedAccuracy(radii, epsilons[i]);
            INDArray adv = Attacks.pgd(Attacks.of(net), data.getFeatures(), data.getLabels(),
                    Attacks.Pgd.of(epsilons[i], 20, 1));
            attacked[i] = Attacks.accuracy(net, adv, data.getLabels());
        }
        return new CertifiedReport(name, bound, radii, epsilons.clone(), acc, attacked);
    }

    /** The output of layer {@code logitsLayer} at inference, computed in batches of 500. */
    public static INDArray logits(MultiLayerNetwork net, int logitsLayer, INDArray features) {
        List<INDArray> parts = new ArrayList<>();
        for (long start = 0; start < features.size(0); start += 500) {
            INDArray batch = features.get(NDArrayIndex.interval(start, Math.min(start + 500, features.size(0))),
                    NDArrayIndex.all());
            parts.add(net.feedForwardToLayer(logitsLayer, batch, false).get(logitsLayer + 1).dup());
        }
        return Nd4j.vstack(parts.toArray(new INDArray[0]));
    }

    /** Clean accuracy (= certified accuracy at ε = 0). */
    public double cleanAccuracy() {
        return MarginCertificate.certifiedAccuracy(radii, 0.0);
    }

    /** A text table of several reports: one row per model. */
    public static String table(CertifiedReport... reports) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-22s %10s %8s", "model", "Lip bound", "clean"));
        for (double e : reports[0].epsilons) {
            sb.append(String.format(Locale.ROOT, " %9s", "cert@" + e));
        }
        for (double e : reports[0].epsilons) {
            sb.append(String.format(Locale.ROOT, " %9s", "PGD@" + e));
        }
        sb.append('\n');
        for (CertifiedReport r : reports) {
            sb.append(String.format(Locale.ROOT, "%-22s %10.3f %7.1f%%", r.name, r.lipschitzBound,
                    100 * r.cleanAccuracy()));
            for (double a : r.certifiedAccuracy) {
                sb.append(String.format(Locale.ROOT, " %8.1f%%", 100 * a));
            }
            for (double a : r.attackedAccuracy) {
                sb.append(String.format(Locale.ROOT, " %8.1f%%", 100 * a));
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
