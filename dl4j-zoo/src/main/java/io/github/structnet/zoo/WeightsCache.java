package io.github.structnet.zoo;

import org.deeplearning4j.common.resources.DL4JResources;
import org.deeplearning4j.common.resources.ResourceType;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Puts a shipped weights file into DL4J's zoo cache directory, verified (internal). The resource is copied to a
 * temporary file next to the target, its SHA-256 checked, and only then moved into place: an interrupted or damaged
 * copy never becomes the cached file. A cached file whose SHA-256 differs is refused with both checksums and
 * removed, so that the next call installs it again from the jar.
 */
final class WeightsCache {

    private WeightsCache() {
    }

    /** The cached file of {@code weights} for the model {@code modelName}, installed and verified. */
    static File install(String modelName, PretrainedWeights weights) throws IOException {
        File directory = DL4JResources.getDirectory(ResourceType.ZOO_MODEL, modelName);
        Path target = directory.toPath().resolve(weights.fileName());
        if (Files.exists(target)) {
            String actual = sha256(target);
            if (!actual.equals(weights.sha256())) {
                Files.deleteIfExists(target);
                throw new IOException("StructNet zoo " + modelName + ": the cached weights file " + target
                        + " is damaged (SHA-256 " + actual + ", expected " + weights.sha256() + "); it was removed"
                        + " and will be installed again from the jar on the next call");
            }
            return target.toFile();
        }
        Path temporary = Files.createTempFile(directory.toPath(), weights.fileName(), ".part");
        try {
            String actual;
            try (InputStream in = weights.url().openStream();
                 DigestInputStream digesting = new DigestInputStream(in, digest());
                 OutputStream out = Files.newOutputStream(temporary)) {
                digesting.transferTo(out);
                actual = HexFormat.of().formatHex(digesting.getMessageDigest().digest());
            }
            if (!actual.equals(weights.sha256())) {
                throw new IOException("StructNet zoo " + modelName + ": the weights resource " + weights.resource()
                        + " is damaged (SHA-256 " + actual + ", expected " + weights.sha256() + "); nothing was"
                        + " installed in " + directory);
            }
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
            return target.toFile();
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /** The lower-case hexadecimal SHA-256 of a file. */
    static String sha256(Path file) throws IOException {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest())) {
            MessageDigest md = ((DigestInputStream) in).getMessageDigest();
            in.transferTo(OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(md.digest());
        }
    }

    /** The lower-case hexadecimal SHA-256 of bytes. */
    static String sha256Of(byte[] bytes) {
        return HexFormat.of().formatHex(digest().digest(bytes));
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }
}
