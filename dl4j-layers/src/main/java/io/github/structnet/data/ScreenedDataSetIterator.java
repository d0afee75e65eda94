package io.github.structnet.data;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;

import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link DataSetIterator} that screens every minibatch of another one with a {@link BatchScreen} before a network
 * sees it: empty batches, NaN or infinite features, labels or masks, and batches whose shape differs from the others.
 *
 * <p>With {@link OnBadBatch#FAIL} a bad batch ends the iteration with an {@link IllegalArgumentException} naming the
 * batch (its position since the last reset) and the problem; with {@link OnBadBatch#SKIP} it is logged, counted by
 * problem ({@link #skipped(BatchProblem)}) and left out, and training goes on with the next batch. Either way the bad
 * batch never reaches {@code fit}, so parameters, updater state and power-iteration state are exactly those of a run
 * without it. Counts add up over resets (epochs); {@link #report()} summarises them.
 *
 * <pre>{@code
 * ScreenedDataSetIterator train = new ScreenedDataSetIterator(source, ScreenedDataSetIterator.OnBadBatch.SKIP);
 * network.fit(train, 10);
 * System.out.println(train.report());   // e.g. "skipped 3 of 1200 batches: 2 NaN or infinite labels, 1 no examples"
 * }</pre>
 */
public class ScreenedDataSetIterator implements DataSetIterator {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ScreenedDataSetIterator.class);

    /** What to do with a bad batch. */
    public enum OnBadBatch {
        /** Throw, naming the batch and the problem. */
        FAIL,
        /** Leave it out, count it and log it. */
        SKIP
    }

    private final DataSetIterator source;
    private final OnBadBatch onBadBatch;
    private final BatchScreen screen;
    private final Map<BatchProblem, Integer> skipped = new EnumMap<>(BatchProblem.class);
    private DataSetPreProcessor preProcessor;
    private DataSet pending;
    private long position;
    private long seen;

    /** Screens {@code source}, learning the expected shapes from its first sound batch. */
    public ScreenedDataSetIterator(DataSetIterator source, OnBadBatch onBadBatch) {
        this(source, onBadBatch, new BatchScreen());
    }

    /** Screens {@code source} with the given screen (for example one with fixed shapes). */
    public ScreenedDataSetIterator(DataSetIterator source, OnBadBatch onBadBatch, BatchScreen screen) {
        this.source = Objects.requireNonNull(source, "ScreenedDataSetIterator: source iterator is null");
        this.onBadBatch = Objects.requireNonNull(onBadBatch, "ScreenedDataSetIterator: onBadBatch is null");
        this.screen = Objects.requireNonNull(screen, "ScreenedDataSetIterator: screen is null");
    }

    @Override
    public boolean hasNext() {
        while (pending == null && source.hasNext()) {
            DataSet batch = source.next();
            position++;
            seen++;
            if (preProcessor != null) {
                preProcessor.preProcess(batch);
            }
            Optional<BatchScreen.Finding> finding = screen.check(batch);
            if (finding.isEmpty()) {
                pending = batch;
            } else {
                refuse(finding.get());
            }
        }
        return pending != null;
    }

    private void refuse(BatchScreen.Finding finding) {
        String message = "ScreenedDataSetIterator: batch " + position + " has " + finding.problem().description()
                + " (" + finding.detail() + ")";
        if (onBadBatch == OnBadBatch.FAIL) {
            throw new IllegalArgumentException(message + "; use OnBadBatch.SKIP to leave such batches out");
        }
        skipped.merge(finding.problem(), 1, Integer::sum);
        LOG.warn("{}; skipped", message);
    }

    @Override
    public DataSet next() {
        if (!hasNext()) {
            throw new NoSuchElementException("ScreenedDataSetIterator: no batch left");
        }
        DataSet batch = pending;
        pending = null;
        return batch;
    }

    /** Not supported: the batch size is the source's. */
    @Override
    public DataSet next(int num) {
        throw new UnsupportedOperationException("ScreenedDataSetIterator: next(num) is not supported; use next()");
    }

    /** Batches skipped with this problem since construction. */
    public int skipped(BatchProblem problem) {
        return skipped.getOrDefault(problem, 0);
    }

    /** Batches skipped since construction, all problems. */
    public int skipped() {
        return skipped.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** Batches read from the source since construction, good and bad. */
    public long seen() {
        return seen;
    }

    /** One line: how many batches were skipped, of how many, and why. */
    public String report() {
        StringBuilder s = new StringBuilder("skipped " + skipped() + " of " + seen + " batches");
        String separator = ": ";
        for (Map.Entry<BatchProblem, Integer> e : skipped.entrySet()) {
            s.append(separator).append(e.getValue()).append(' ').append(e.getKey().description());
            separator = ", ";
        }
        return s.toString();
    }

    @Override
    public void reset() {
        source.reset();
        pending = null;
        position = 0;
    }

    @Override
    public boolean resetSupported() {
        return source.resetSupported();
    }

    /** False: screening and counting happen on the caller's thread, in order. */
    @Override
    public boolean asyncSupported() {
        return false;
    }

    @Override
    public int inputColumns() {
        return source.inputColumns();
    }

    @Override
    public int totalOutcomes() {
        return source.totalOutcomes();
    }

    @Override
    public int batch() {
        return source.batch();
    }

    /** Applied to each batch before it is screened, so that a pre-processor producing NaN is caught too. */
    @Override
    public void setPreProcessor(DataSetPreProcessor preProcessor) {
        this.preProcessor = preProcessor;
    }

    @Override
    public DataSetPreProcessor getPreProcessor() {
        return preProcessor;
    }

    @Override
    public List<String> getLabels() {
        return source.getLabels();
    }
}
