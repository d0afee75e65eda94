package io.github.structnet.persistence;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.Enumeration;
import java.util.Properties;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * DL4J model zips ({@link ModelSerializer}'s format) written and read safely.
 * <ul>
 *   <li>{@link #save} writes to a temporary file in the target's directory, adds a {@value #MARKER} entry (the file
 *       format and the StructNet version that wrote it), and moves the result over the target in one step: an
 *       interrupted save leaves the previous file as it was and no temporary file behind.</li>
 *   <li>{@link #restoreMultiLayerNetwork} and {@link #restoreComputationGraph} check the file before DL4J reads it —
 *       a readable zip, every entry's checksum, the configuration and parameter entries present, a format this
 *       version reads — and turn every failure into a {@link ModelFileException} naming the file and the problem
 *       (a truncated or damaged file, a missing entry, a newer format, a layer class this version does not
 *       have).</li>
 * </ul>
 * Files without the marker (written by DL4J's own {@code ModelSerializer}) load as well.
 */
public final class ModelFiles {

    /** The entry holding the format and the writer's version. */
    public static final String MARKER = "structnet.properties";
    /** The file format this version writes and reads. */
    public static final int FORMAT = 1;
    /** The StructNet version written into {@value #MARKER}. */
    public static final String VERSION = "0.1.0";

    private static final String CONFIGURATION = "configuration.json";
    private static final String COEFFICIENTS = "coefficients.bin";

    private ModelFiles() {
    }

    /**
     * Writes {@code model} (with its updater state when {@code saveUpdater}) to {@code target} through a temporary file
     * and one move.
     *
     * @throws ModelFileException naming the target when the model cannot be written; the target is then unchanged
     */
    public static void save(Model model, File target, boolean saveUpdater) throws ModelFileException {
        File directory = target.getAbsoluteFile().getParentFile();
        File temporary = null;
        try {
            Files.createDirectories(directory.toPath());
            temporary = File.createTempFile("." + target.getName(), ".partial", directory);
            File plain = File.createTempFile("." + target.getName(), ".dl4j", directory);
            try {
                ModelSerializer.writeModel(model, plain, saveUpdater);
                withMarker(plain, temporary);
            } finally {
                Files.deleteIfExists(plain.toPath());
            }
            move(temporary, target);
        } catch (IOException | RuntimeException e) {
            throw new ModelFileException(target, "cannot write the model (" + e + "); the file was left as it was", e);
        } finally {
            if (temporary != null) {
                try {
                    Files.deleteIfExists(temporary.toPath());
                } catch (IOException ignored) {
                    // nothing was moved: the temporary file is all that is left to remove
                }
            }
        }
    }

    /** Copies the zip {@code from} into {@code to}, adding the marker entry. */
    private static void withMarker(File from, File to) throws IOException {
        try (ZipFile in = new ZipFile(from); OutputStream file = Files.newOutputStream(to.toPath());
             ZipOutputStream out = new ZipOutputStream(file)) {
            Enumeration<? extends ZipEntry> entries = in.entries();
            while (entries.hasMoreElements()) {
                ZipEntry entry = entries.nextElement();
                out.putNextEntry(new ZipEntry(entry.getName()));
                try (InputStream data = in.getInputStream(entry)) {
                    data.transferTo(out);
                }
                out.closeEntry();
            }
            out.putNextEntry(new ZipEntry(MARKER));
            out.write(("format=" + FORMAT + "\nversion=" + VERSION + "\n").getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
    }

    private static void move(File from, File to) throws IOException {
        try {
            Files.move(from.toPath(), to.toPath(), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from.toPath(), to.toPath(), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Loads a {@code MultiLayerNetwork} after checking the file. */
    public static MultiLayerNetwork restoreMultiLayerNetwork(File file, boolean loadUpdater)
            throws ModelFileException {
        check(file);
        try {
            return ModelSerializer.restoreMultiLayerNetwork(file, loadUpdater);
        } catch (Exception e) {
            throw explain(file, e);
        }
    }

    /** Loads a {@code ComputationGraph} after checking the file. */
    public static ComputationGraph restoreComputationGraph(File file, boolean loadUpdater) throws ModelFileException {
        check(file);
        try {
            return ModelSerializer.restoreComputationGraph(file, loadUpdater);
        } catch (Exception e) {
            throw explain(file, e);
        }
    }

    /** Readable zip, every checksum right, the two model entries present, a format this version reads. */
    static void check(File file) throws ModelFileException {
        if (!file.isFile()) {
            throw new ModelFileException(file, file.exists() ? "is not a regular file" : "does not exist");
        }
        try (ZipFile zip = new ZipFile(file)) {
            byte[] buffer = new byte[1 << 16];
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry entry = entries.nextElement();
                try (InputStream in = zip.getInputStream(entry)) {
                    while (in.read(buffer) >= 0) {
                        // reading to the end checks the entry's CRC
                    }
                } catch (IOException e) {
                    throw new ModelFileException(file, "entry '" + entry.getName() + "' is damaged (" + e.getMessage()
                            + ")", e);
                }
            }
            for (String required : new String[]{CONFIGURATION, COEFFICIENTS}) {
                if (zip.getEntry(required) == null) {
                    throw new ModelFileException(file, "has no '" + required + "' entry: not a complete DL4J model"
                            + " file");
                }
            }
            ZipEntry marker = zip.getEntry(MARKER);
            if (marker != null) {
                Properties p = new Properties();
                try (InputStream in = zip.getInputStream(marker)) {
                    p.load(in);
                }
                String format = p.getProperty("format", "?");
                if (!String.valueOf(FORMAT).equals(format)) {
                    throw new ModelFileException(file, "was written in file format " + format + " by StructNet "
                            + p.getProperty("version", "?") + "; this version (" + VERSION + ") reads format "
                            + FORMAT);
                }
            }
        } catch (ZipException e) {
            throw new ModelFileException(file, "is not a readable zip file: truncated or damaged (" + e.getMessage()
                    + ")", e);
        } catch (ModelFileException e) {
            throw e;
        } catch (IOException e) {
            throw new ModelFileException(file, "cannot be read (" + e.getMessage() + ")", e);
        }
    }

    /** DL4J's failure on a file that passed the checks, with the file and the likely cause. */
    private static ModelFileException explain(File file, Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String message = String.valueOf(t.getMessage());
            int at = message.indexOf("Could not resolve type id '");
            if (at >= 0) {
                int end = message.indexOf('\'', at + 27);
                String type = end > at ? message.substring(at + 27, end) : message;
                return new ModelFileException(file, "names the layer or vertex class '" + type + "', which this"
                        + " version does not have (saved by another StructNet version, or a misspelt class)", e);
            }
        }
        return new ModelFileException(file, "holds a configuration or parameters DL4J cannot load (" + e + ")", e);
    }
}
