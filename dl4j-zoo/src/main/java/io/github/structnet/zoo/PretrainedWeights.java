package io.github.structnet.zoo;

import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.Adler32;

/**
 * A weights file shipped in this jar: its resource path and the checksums of its exact bytes (SHA-256, and the
 * Adler-32 that DL4J's own zoo loader checks again).
 *
 * @param resource the resource path, e.g. {@code /io/github/structnet/zoo/certified-mnist.zip}
 * @param sha256   lower-case hexadecimal SHA-256 of the file
 * @param adler32  Adler-32 of the file
 */
public record PretrainedWeights(String resource, String sha256, long adler32) {

    /**
     * The entry for a file about to be shipped as {@code resource}: its checksums computed from its bytes (used when
     * exporting weights into this jar).
     */
    public static PretrainedWeights of(String resource, Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        Adler32 adler = new Adler32();
        adler.update(bytes);
        return new PretrainedWeights(resource, WeightsCache.sha256Of(bytes), adler.getValue());
    }

    /** The Java expression that constructs this entry, as {@code ZooWeights} holds it. */
    public String javaLiteral() {
        return "new PretrainedWeights(\"" + resource + "\", \"" + sha256 + "\", " + adler32 + "L)";
    }

    /** The file name in DL4J's cache directory: the last segment of the resource path. */
    public String fileName() {
        return resource.substring(resource.lastIndexOf('/') + 1);
    }

    /** The resource's URL (a jar: or file: URL, never a network one), or an error naming the missing resource. */
    URL url() {
        URL url = PretrainedWeights.class.getResource(resource);
        if (url == null) {
            throw new IllegalStateException("StructNet zoo: the weights resource " + resource + " is not on the class"
                    + " path (is the dl4j-zoo jar complete?)");
        }
        return url;
    }
}
