package io.github.structnet.monitor;

import org.deeplearning4j.core.storage.Persistable;
import org.deeplearning4j.core.storage.StatsStorage;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The measurements of one {@link StructureMonitor} report as a record of DL4J's stats storage
 * ({@code InMemoryStatsStorage}, {@code FileStatsStorage}, a remote router), under the type
 * {@value #TYPE_ID} next to the {@code StatsListener}'s records of the same session. Values are stored as their
 * IEEE-754 bits: what is read back is bitwise what was recorded.
 */
public final class StructureReport implements Persistable {

    /** The type ID of these records in a stats storage. */
    public static final String TYPE_ID = "StructNetStructure";

    private static final int FORMAT = 1;

    private String sessionId;
    private String workerId;
    private long timestamp;
    private List<Measurement> measurements;

    /** For DL4J's storage, which creates an empty record and then decodes it. */
    public StructureReport() {
        this.measurements = List.of();
    }

    public StructureReport(String sessionId, String workerId, long timestamp, List<Measurement> measurements) {
        this.sessionId = sessionId;
        this.workerId = workerId;
        this.timestamp = timestamp;
        this.measurements = List.copyOf(measurements);
    }

    /** Every measurement of a session in a storage, in the order recorded (by timestamp, then as reported). */
    public static List<Measurement> readAll(StatsStorage storage, String sessionId) {
        List<StructureReport> reports = new ArrayList<>();
        for (Persistable p : storage.getAllUpdatesAfter(sessionId, TYPE_ID, Long.MIN_VALUE)) {
            reports.add((StructureReport) p);
        }
        reports.sort(Comparator.comparingLong(StructureReport::getTimeStamp));
        List<Measurement> all = new ArrayList<>();
        for (StructureReport r : reports) {
            all.addAll(r.measurements());
        }
        return all;
    }

    /** The measurements of this report. */
    public List<Measurement> measurements() {
        return measurements;
    }

    @Override
    public String getSessionID() {
        return sessionId;
    }

    @Override
    public String getTypeID() {
        return TYPE_ID;
    }

    @Override
    public String getWorkerID() {
        return workerId;
    }

    @Override
    public long getTimeStamp() {
        return timestamp;
    }

    @Override
    public int encodingLengthBytes() {
        return encode().length;
    }

    @Override
    public byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            encode(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    @Override
    public void encode(ByteBuffer buffer) {
        buffer.put(encode());
    }

    @Override
    public void encode(OutputStream out) throws IOException {
        DataOutputStream data = new DataOutputStream(out);
        data.writeInt(FORMAT);
        data.writeUTF(sessionId);
        data.writeUTF(workerId);
        data.writeLong(timestamp);
        data.writeInt(measurements.size());
        for (Measurement m : measurements) {
            data.writeLong(m.iteration());
            data.writeInt(m.epoch());
            data.writeUTF(m.source());
            data.writeUTF(m.quantity().name());
            data.writeLong(Double.doubleToRawLongBits(m.value()));
        }
        data.flush();
    }

    @Override
    public void decode(byte[] bytes) {
        try {
            decode(new ByteArrayInputStream(bytes));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void decode(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        decode(bytes);
    }

    @Override
    public void decode(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        int format = data.readInt();
        if (format != FORMAT) {
            throw new IOException("StructureReport: record format " + format + " is not supported; this version reads "
                    + FORMAT);
        }
        sessionId = data.readUTF();
        workerId = data.readUTF();
        timestamp = data.readLong();
        int n = data.readInt();
        if (n < 0) {
            throw new IOException("StructureReport: damaged record (" + n + " measurements)");
        }
        List<Measurement> read = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long iteration = data.readLong();
            int epoch = data.readInt();
            String source = data.readUTF();
            String quantity = data.readUTF();
            double value = Double.longBitsToDouble(data.readLong());
            try {
                read.add(new Measurement(iteration, epoch, source, Quantity.valueOf(quantity), value));
            } catch (IllegalArgumentException e) {
                throw new IOException("StructureReport: damaged record (quantity '" + quantity + "')", e);
            }
        }
        measurements = List.copyOf(read);
    }
}
