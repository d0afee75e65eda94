package io.github.structnet.monitor;

import io.github.structnet.certify.EnergyDrift;
import io.github.structnet.certify.LayerBound;
import io.github.structnet.certify.MarginCertificate;
import io.github.structnet.lipschitz.PowerIterationVector;
import io.github.structnet.samediff.NetworkLayers;
import io.github.structnet.summary.StepSize;
import org.deeplearning4j.core.storage.StatsStorageRouter;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.ui.model.storage.impl.SbeStorageMetaData;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.function.ToDoubleFunction;

/**
 * A DL4J training listener that records what makes a StructNet network special, per layer and iteration:
 * <ul>
 *   <li>every {@code every} iterations (cheap): the score and each layer's power-iteration estimate σ̂ = ‖A v̂‖₂
 *       ({@link PowerIterationVector});</li>
 *   <li>every {@code certifyEvery} iterations and at the end of each epoch (each costs a certificate): each layer's
 *       certified Lipschitz bound and the network's bound up to the monitored output (computed from the parameters
 *       at that moment, as {@code NetworkLipschitz} computes them), each layer's step size ({@link StepSize}: τ of
 *       a gradient-flow block, h of a symplectic or ODE layer), and — when asked for — the symplecticity defect
 *       max |(Jᵀ𝕁J − 𝕁)_ij| of the network's map at a probe point and the energy error max_k |H(x_k) − H(x_0)| along
 *       a rollout of the map;</li>
 *   <li>at the end of each epoch, when an evaluation set is given: clean accuracy and certified accuracy at each ε,
 *       from the margins of the monitored output (the logits) and the network's bound L: a sample is certified at ε
 *       when its margin exceeds √2·L·ε.</li>
 * </ul>
 * The measurements go to memory ({@link #measurements()}), to a CSV file (one line per value, appended and flushed
 * report by report) and to a DL4J stats storage as {@link StructureReport} records — next to the records of DL4J's
 * {@code StatsListener} when both use the same session ID — and {@link RunChart} draws them.
 * <pre>{@code
 * StructureMonitor monitor = StructureMonitor.builder()
 *         .outputLayer(3)                       // the logits
 *         .evaluation(testSet, 0.5, 1.0, 1.58)  // clean and certified accuracy per epoch
 *         .csv(Path.of("run.csv"))
 *         .storage(statsStorage, sessionId)
 *         .build();
 * net.addListeners(statsListener, monitor);
 * }</pre>
 * The listener is for one network at a time and not thread-safe; {@link #measurements()} may be read from another
 * thread.
 */
public final class StructureMonitor extends BaseTrainingListener {

    private final int every;
    private final int certifyEvery;
    private final boolean certificate;
    private final Object output;
    private final InputType[] inputTypes;
    private final DataSet evaluation;
    private final double[] epsilons;
    private final INDArray symplecticProbe;
    private final INDArray energyStart;
    private final int energySteps;
    private final ToDoubleFunction<INDArray> energy;
    private final MonitorCsv csv;
    private final StatsStorageRouter router;
    private final String sessionId;
    private final String workerId;

    private final List<Measurement> measurements = new ArrayList<>();
    private NetworkProbe probe;
    private long iteration = -1;
    private int epoch;
    private long lastCertified = Long.MIN_VALUE;
    private double certifiedBound = Double.NaN;
    private long lastTimestamp;
    private boolean registered;

    private StructureMonitor(Builder b) {
        this.every = b.every;
        this.certifyEvery = b.certifyEvery;
        this.certificate = b.certificate;
        this.output = b.output;
        this.inputTypes = b.inputTypes;
        this.evaluation = b.evaluation;
        this.epsilons = b.epsilons;
        this.symplecticProbe = b.symplecticProbe;
        this.energyStart = b.energyStart;
        this.energySteps = b.energySteps;
        this.energy = b.energy;
        this.csv = b.csv == null ? null : new MonitorCsv(b.csv);
        this.router = b.router;
        this.sessionId = b.sessionId != null ? b.sessionId : "structnet-" + UUID.randomUUID();
        this.workerId = b.workerId;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The session ID of the storage records (the one given, or a generated one). */
    public String sessionId() {
        return sessionId;
    }

    /** A copy of everything recorded so far, in order. */
    public synchronized List<Measurement> measurements() {
        return List.copyOf(measurements);
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        this.iteration = iteration;
        this.epoch = epoch;
        List<Measurement> report = new ArrayList<>();
        if (iteration % every == 0) {
            recordCheap(model, report);
        }
        if (certifyEvery > 0 && iteration % certifyEvery == 0) {
            recordCertified(model, report);
        }
        publish(report);
    }

    @Override
    public void onEpochEnd(Model model) {
        List<Measurement> report = new ArrayList<>();
        double bound = recordCertified(model, report);
        if (evaluation != null) {
            recordAccuracy(model, bound, report);
        }
        publish(report);
    }

    private void recordCheap(Model model, List<Measurement> report) {
        report.add(measure(Measurement.NETWORK, Quantity.SCORE, model.score()));
        for (NetworkLayers.Entry layer : NetworkLayers.of(model)) {
            if (layer.configuration() instanceof PowerIterationVector vector) {
                report.add(measure(layer.name(), Quantity.POWER_ITERATION_ESTIMATE,
                        vector.powerIterationEstimate(layer.parameters())));
            }
        }
    }

    /**
     * Records the certificate, step sizes and structure checks, once per iteration; returns the network's bound (NaN
     * without the certificate).
     */
    private double recordCertified(Model model, List<Measurement> report) {
        NetworkProbe p = probe(model);
        if (lastCertified == iteration) {
            return certifiedBound;
        }
        lastCertified = iteration;
        certifiedBound = Double.NaN;
        if (certificate) {
            List<LayerBound> lines;
            try {
                lines = p.breakdown(inputTypes);
            } catch (IllegalArgumentException | IllegalStateException e) {
                throw new IllegalStateException("StructureMonitor: the network cannot be certified (" + e.getMessage()
                        + "); use certificate(false) to monitor it without its Lipschitz bound", e);
            }
            for (LayerBound line : lines) {
                report.add(measure(line.name(), Quantity.LAYER_BOUND, line.bound()));
            }
            certifiedBound = lines.get(lines.size() - 1).cumulative();
            report.add(measure(Measurement.NETWORK, Quantity.NETWORK_BOUND, certifiedBound));
        }
        for (NetworkLayers.Entry layer : NetworkLayers.of(model)) {
            if (layer.configuration() instanceof StepSize step) {
                report.add(measure(layer.name(), Quantity.STEP_SIZE, step.stepSize(layer.parameters())));
            }
        }
        if (symplecticProbe != null) {
            report.add(measure(Measurement.NETWORK, Quantity.SYMPLECTICITY_DEFECT,
                    p.symplecticityDefect(symplecticProbe)));
        }
        if (energy != null) {
            report.add(measure(Measurement.NETWORK, Quantity.ENERGY_ERROR, energyError(p)));
        }
        return certifiedBound;
    }

    private double energyError(NetworkProbe p) {
        List<INDArray> trajectory = new ArrayList<>();
        INDArray x = energyStart;
        trajectory.add(x);
        for (int k = 0; k < energySteps; k++) {
            x = p.map().apply(x);
            trajectory.add(x);
        }
        return Arrays.stream(EnergyDrift.errors(trajectory, energy)).max().orElse(0);
    }

    private void recordAccuracy(Model model, double bound, List<Measurement> report) {
        INDArray logits = probe(model).output(evaluation.getFeatures());
        double[] radii = MarginCertificate.radii(logits, evaluation.getLabels(), bound);
        double clean = MarginCertificate.certifiedAccuracy(radii, 0);
        report.add(measure(Measurement.NETWORK, Quantity.CLEAN_ACCURACY, clean));
        for (double eps : epsilons) {
            report.add(measure(Measurement.radius(eps), Quantity.CERTIFIED_ACCURACY,
                    MarginCertificate.certifiedAccuracy(radii, eps)));
        }
    }

    private NetworkProbe probe(Model model) {
        if (probe == null || !probe.isOf(model)) {
            probe = NetworkProbe.of(model, output);
        }
        return probe;
    }

    private Measurement measure(String source, Quantity quantity, double value) {
        return new Measurement(Math.max(iteration, 0), epoch, source, quantity, value);
    }

    private void publish(List<Measurement> report) {
        if (report.isEmpty()) {
            return;
        }
        synchronized (this) {
            measurements.addAll(report);
        }
        if (csv != null) {
            try {
                csv.append(report);
            } catch (IOException e) {
                throw new UncheckedIOException("StructureMonitor: cannot write " + csv.path(), e);
            }
        }
        if (router != null) {
            // the storage keys records by timestamp: one per report, strictly increasing
            lastTimestamp = Math.max(System.currentTimeMillis(), lastTimestamp + 1);
            if (!registered) {
                // a storage lists a session and its workers from their metadata and static information
                router.putStorageMetaData(new SbeStorageMetaData(lastTimestamp, sessionId, StructureReport.TYPE_ID,
                        workerId, StructureReport.class, StructureReport.class));
                router.putStaticInfo(new StructureReport(sessionId, workerId, lastTimestamp, List.of()));
                registered = true;
            }
            router.putUpdate(new StructureReport(sessionId, workerId, lastTimestamp, report));
        }
    }

    /**
     * Builder. Defaults: cheap measurements every 10 iterations, certificates only at the end of each epoch, the
     * network's last layer (or first output) as the monitored output, no evaluation set, memory only.
     */
    public static final class Builder {
        private int every = 10;
        private int certifyEvery;
        private Object output;
        private InputType[] inputTypes = new InputType[0];
        private DataSet evaluation;
        private double[] epsilons = new double[0];
        private INDArray symplecticProbe;
        private INDArray energyStart;
        private int energySteps;
        private ToDoubleFunction<INDArray> energy;
        private Path csv;
        private StatsStorageRouter router;
        private String sessionId;
        private String workerId = "worker-0";
        private boolean certificate = true;

        private Builder() {
        }

        /** Score and power-iteration estimates every {@code iterations} iterations (≥ 1; default 10). */
        public Builder every(int iterations) {
            if (iterations < 1) {
                throw new IllegalArgumentException("StructureMonitor: every must be >= 1 iteration; got " + iterations);
            }
            this.every = iterations;
            return this;
        }

        /**
         * Certificate, step sizes and structure checks every {@code iterations} iterations as well as at each epoch's
         * end (≥ 1), or 0 for the epoch's end only (the default). Each costs a certificate of every layer.
         */
        public Builder certifyEvery(int iterations) {
            if (iterations < 0) {
                throw new IllegalArgumentException("StructureMonitor: certifyEvery must be >= 0 iterations (0: at "
                        + "the end of each epoch only); got " + iterations);
            }
            this.certifyEvery = iterations;
            return this;
        }

        /**
         * Whether to record the Lipschitz certificate (default true). Networks that are not 1-Lipschitz by design,
         * such as symplectic ones, have layers the certificate refuses: switch it off to record their step sizes and
         * structure checks alone.
         */
        public Builder certificate(boolean record) {
            this.certificate = record;
            return this;
        }

        /** Monitor a MultiLayerNetwork at layer {@code index} (for example its logits); default: the last layer. */
        public Builder outputLayer(int index) {
            if (index < 0) {
                throw new IllegalArgumentException("StructureMonitor: outputLayer must be >= 0; got " + index);
            }
            this.output = index;
            return this;
        }

        /** Monitor a ComputationGraph at vertex {@code name}; default: its first network output. */
        public Builder outputVertex(String name) {
            if (name == null || name.isEmpty()) {
                throw new IllegalArgumentException("StructureMonitor: outputVertex needs a vertex name; got '"
                        + name + "'");
            }
            this.output = name;
            return this;
        }

        /** The network's input types, for layers whose certificate depends on the input size (DL4J convolutions). */
        public Builder inputTypes(InputType... types) {
            this.inputTypes = types.clone();
            return this;
        }

        /**
         * Clean and certified accuracy at each ε (each ≥ 0, finite) on {@code data} (one-hot or index labels) at the
         * end of each epoch; the monitored output must be the logits. DL4J signals an epoch's end to listeners when
         * it fits an iterator ({@code fit(iterator)}, {@code fit(iterator, epochs)}); {@code fit(DataSet)} has none.
         */
        public Builder evaluation(DataSet data, double... epsilons) {
            if (data == null || data.getFeatures() == null || data.getLabels() == null || data.numExamples() == 0) {
                throw new IllegalArgumentException("StructureMonitor: the evaluation set needs features, labels and "
                        + "at least one example");
            }
            for (double e : epsilons) {
                if (!(e >= 0) || Double.isInfinite(e)) {
                    throw new IllegalArgumentException("StructureMonitor: certified radius ε = " + e
                            + " is not allowed; each ε must be finite and >= 0");
                }
            }
            this.evaluation = data;
            this.epsilons = epsilons.clone();
            return this;
        }

        /** The symplecticity defect of the network's map at x [1, 2n] (with each certificate). */
        public Builder symplecticity(INDArray probe) {
            if (probe == null || probe.size(0) != 1 || probe.length() % 2 != 0) {
                throw new IllegalArgumentException("StructureMonitor: the symplecticity probe must be one phase-space "
                        + "point [1, 2n]; got " + (probe == null ? "null" : Arrays.toString(probe.shape())));
            }
            this.symplecticProbe = probe;
            return this;
        }

        /**
         * The energy error max_k |H(x_k) − H(x_0)| along {@code steps} applications of the network's map from
         * {@code start} [1, d] (with each certificate).
         */
        public Builder energy(INDArray start, int steps, ToDoubleFunction<INDArray> hamiltonian) {
            if (start == null || start.size(0) != 1 || steps < 1 || hamiltonian == null) {
                throw new IllegalArgumentException("StructureMonitor: energy needs a start point [1, d], steps >= 1 "
                        + "and a Hamiltonian; got start " + (start == null ? "null" : Arrays.toString(start.shape()))
                        + ", steps " + steps + (hamiltonian == null ? ", no Hamiltonian" : ""));
            }
            this.energyStart = start;
            this.energySteps = steps;
            this.energy = hamiltonian;
            return this;
        }

        /** Also append every measurement to this CSV file (created with a header; an existing file is appended). */
        public Builder csv(Path file) {
            this.csv = file;
            return this;
        }

        /**
         * Also put every report into a DL4J stats storage (or router) under {@code sessionId}: give DL4J's
         * {@code StatsListener} the same session ID ({@code setSessionID}) to keep both in one session.
         */
        public Builder storage(StatsStorageRouter router, String sessionId) {
            if (router == null || sessionId == null || sessionId.isEmpty()) {
                throw new IllegalArgumentException("StructureMonitor: storage needs a router and a session ID");
            }
            this.router = router;
            this.sessionId = sessionId;
            return this;
        }

        /** The worker ID of the storage records (default "worker-0"). */
        public Builder workerId(String id) {
            if (id == null || id.isEmpty()) {
                throw new IllegalArgumentException("StructureMonitor: workerId must be a non-empty name");
            }
            this.workerId = id;
            return this;
        }

        public StructureMonitor build() {
            if (evaluation != null && !certificate) {
                throw new IllegalStateException("StructureMonitor: certified accuracy needs the certificate; remove "
                        + "certificate(false) or the evaluation set");
            }
            return new StructureMonitor(this);
        }
    }
}
