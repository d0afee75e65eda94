package io.github.structnet.monitor;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The CSV form of the measurements: a header {@value #HEADER}, then one line per value. Values are written in
 * Java's shortest round-trip form, so what is read back is bitwise what was recorded; a source containing a comma or
 * a quote is quoted as RFC 4180 says. Each report is written with one call and flushed, so a file holds whole
 * reports (a process killed in the middle of a write can leave at most one incomplete last line, which
 * {@link #read} reports).
 */
public final class MonitorCsv {

    /** The header line. */
    public static final String HEADER = "iteration,epoch,source,quantity,value";

    private final Path path;

    /** A CSV file to append to (created with its header on the first write). */
    public MonitorCsv(Path path) {
        if (path == null) {
            throw new IllegalArgumentException("MonitorCsv: the file is null");
        }
        this.path = path;
    }

    /** The file. */
    public Path path() {
        return path;
    }

    /** Appends one report. */
    public synchronized void append(List<Measurement> report) throws IOException {
        StringBuilder text = new StringBuilder();
        if (!Files.exists(path) || Files.size(path) == 0) {
            Path parent = path.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            text.append(HEADER).append('\n');
        }
        for (Measurement m : report) {
            text.append(m.iteration()).append(',').append(m.epoch()).append(',').append(quoted(m.source()))
                    .append(',').append(m.quantity().name()).append(',').append(m.value()).append('\n');
        }
        try (Writer w = Files.newBufferedWriter(path, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND)) {
            w.write(text.toString());
        }
    }

    /** Every measurement in a file written by {@link #append}. */
    public static List<Measurement> read(Path path) throws IOException {
        List<String> lines = Files.readAllLines(path, StandardCharsets.UTF_8);
        if (lines.isEmpty() || !lines.get(0).equals(HEADER)) {
            throw new IOException(path + ": not a StructNet monitor CSV (the first line must be '" + HEADER + "')");
        }
        List<Measurement> all = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            all.add(parse(lines.get(i), path, i + 1));
        }
        return all;
    }

    private static Measurement parse(String line, Path path, int number) throws IOException {
        List<String> fields = fields(line);
        if (fields.size() != 5) {
            throw new IOException(path + ", line " + number + ": expected 5 fields (" + HEADER + "), found "
                    + fields.size() + ": '" + line + "'");
        }
        try {
            return new Measurement(Long.parseLong(fields.get(0)), Integer.parseInt(fields.get(1)), fields.get(2),
                    Quantity.valueOf(fields.get(3)), Double.parseDouble(fields.get(4)));
        } catch (IllegalArgumentException e) {
            throw new IOException(path + ", line " + number + ": " + e.getMessage() + ": '" + line + "'", e);
        }
    }

    private static String quoted(String field) {
        if (field.indexOf(',') < 0 && field.indexOf('"') < 0 && field.indexOf('\n') < 0) {
            return field;
        }
        return '"' + field.replace("\"", "\"\"") + '"';
    }

    private static List<String> fields(String line) {
        List<String> fields = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean inQuotes = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (inQuotes) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    current.append('"');
                    i++;
                } else if (c == '"') {
                    inQuotes = false;
                } else {
                    current.append(c);
                }
            } else if (c == '"') {
                inQuotes = true;
            } else if (c == ',') {
                fields.add(current.toString());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        fields.add(current.toString());
        return fields;
    }
}
