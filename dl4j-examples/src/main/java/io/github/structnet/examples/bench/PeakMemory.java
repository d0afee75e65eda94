package io.github.structnet.examples.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** This process's peak resident memory, from Linux's /proc (NaN elsewhere). */
public final class PeakMemory {

    private PeakMemory() {
    }

    /** Resets the kernel's peak-resident-memory mark of this process (Linux; ignored elsewhere). */
    public static void reset() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException | UnsupportedOperationException e) {
            // not Linux, or not allowed: the peak then covers the whole run so far
        }
    }

    /** The process's peak resident memory in kB (VmHWM), or NaN where /proc is not available. */
    public static double peakKb() throws IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) {
            return Double.NaN;
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("VmHWM:")) {
                return Double.parseDouble(line.replaceAll("[^0-9]", ""));
            }
        }
        return Double.NaN;
    }
}
