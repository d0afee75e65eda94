package io.github.structnet.backend;

import org.nd4j.linalg.factory.Nd4j;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * Which ND4J backend runs, on which devices, and whether it can run there.
 * <p>The CUDA backend on Maven Central ({@code nd4j-cuda-11.6:1.0.0-M2.1}) carries kernels for compute
 * capability 3.7 to 8.6 and no PTX: it runs on Kepler to Ampere GPUs (Ada, 8.9, through 8.6 compatibility) and
 * cannot run on Hopper (9.0) or newer. {@link #requireSupported()} refuses such GPUs with a clear message before
 * ND4J starts, instead of a crash at the first kernel launch.
 * <p>Run {@code java -cp … io.github.structnet.backend.Backends} for a report.
 */
public final class Backends {

    /** Newest compute capability (major, minor) with kernels in nd4j-cuda-11.6 M2.1, by binary compatibility. */
    public static final int MAX_MAJOR = 8;
    public static final int MAX_MINOR = 9;
    /** Oldest compute capability with kernels (3.7). */
    public static final int MIN_MAJOR = 3;
    public static final int MIN_MINOR = 7;

    static final String CUDA_BACKEND_CLASS = "org.nd4j.linalg.jcublas.JCublasBackend";

    private Backends() {
    }

    /** One GPU: its name and compute capability major.minor. */
    public record Device(String name, int major, int minor) {
        @Override
        public String toString() {
            return name + " (compute capability " + major + "." + minor + ")";
        }
    }

    /** The backend in use and its devices (empty for the CPU backend). */
    public record Report(String backend, List<Device> devices, String blasVendor, int threads) {
        @Override
        public String toString() {
            return "ND4J backend: " + backend + ", BLAS: " + blasVendor + ", threads: " + threads
                    + (devices.isEmpty() ? "" : ", devices: " + devices);
        }
    }

    /** True when the CUDA backend is on the classpath. */
    public static boolean cudaOnClasspath() {
        try {
            Class.forName(CUDA_BACKEND_CLASS, false, Backends.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    /**
     * Refuses a GPU the CUDA backend has no kernels for.
     *
     * @throws UnsupportedOperationException naming the device, its compute capability and the supported range
     */
    public static void checkSupported(Device device) {
        boolean tooNew = device.major() > MAX_MAJOR || device.major() == MAX_MAJOR && device.minor() > MAX_MINOR;
        boolean tooOld = device.major() < MIN_MAJOR || device.major() == MIN_MAJOR && device.minor() < MIN_MINOR;
        if (tooNew || tooOld) {
            throw new UnsupportedOperationException("GPU " + device + " is not supported by the ND4J CUDA backend "
                    + "nd4j-cuda-11.6:1.0.0-M2.1, which has kernels for compute capability " + MIN_MAJOR + "."
                            + MIN_MINOR
                    + " to " + MAX_MAJOR + "." + MAX_MINOR + " only (no PTX for newer GPUs such as Hopper, 9.0). "
                    + "Use the CPU backend (build without -Pcuda) or a GPU in that range.");
        }
    }

    /**
     * Checks every visible GPU before ND4J starts (when the CUDA backend is on the classpath), then reports
     * the backend.
     */
    public static Report requireSupported() {
        if (cudaOnClasspath()) {
            for (Device d : queryNvidiaSmi()) {
                checkSupported(d);
            }
        }
        Report report = report();
        report.devices().forEach(Backends::checkSupported);
        return report;
    }

    /** Describes the running backend (initialises ND4J). */
    @SuppressWarnings("unchecked")
    public static Report report() {
        Properties env = Nd4j.getExecutioner().getEnvironmentInformation();
        String backend = String.valueOf(env.getOrDefault("backend", Nd4j.getBackend().getClass().getSimpleName()));
        List<Device> devices = new ArrayList<>();
        Object info = env.get("cuda.devicesInformation");
        if (info instanceof List<?> list) {
            for (Object o : list) {
                Map<String, Object> m = (Map<String, Object>) o;
                devices.add(new Device(String.valueOf(m.get("cuda.deviceName")),
                        ((Number) m.get("cuda.deviceMajor")).intValue(), ((Number) m.get("cuda.deviceMinor"))
                                .intValue()));
            }
        }
        Object threads = env.getOrDefault("omp.threads", -1);
        return new Report(backend, devices, String.valueOf(env.getOrDefault("blas.vendor", "unknown")),
                threads instanceof Number n ? n.intValue() : Integer.parseInt(String.valueOf(threads)));
    }

    /** GPUs listed by {@code nvidia-smi} (empty when it is missing or fails). */
    static List<Device> queryNvidiaSmi() {
        List<Device> devices = new ArrayList<>();
        try {
            Process p = new ProcessBuilder("nvidia-smi", "--query-gpu=name,compute_cap", "--format=csv,noheader")
                    .redirectErrorStream(true).start();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    Device d = parseNvidiaSmiLine(line);
                    if (d != null) {
                        devices.add(d);
                    }
                }
            }
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            return devices; // no nvidia-smi: ND4J's own report is checked after start-up
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return devices;
    }

    /** Parses "NVIDIA H100 80GB HBM3, 9.0"; null for lines that are not of that form. */
    static Device parseNvidiaSmiLine(String line) {
        int comma = line.lastIndexOf(',');
        if (comma < 0) {
            return null;
        }
        String[] cc = line.substring(comma + 1).trim().split("\\.");
        try {
            return new Device(line.substring(0, comma).trim(), Integer.parseInt(cc[0]),
                    cc.length > 1 ? Integer.parseInt(cc[1]) : 0);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Prints the report, or the reason the GPU is refused (exit code 2). */
    public static void main(String[] args) {
        try {
            System.out.println(requireSupported());
        } catch (UnsupportedOperationException e) {
            System.err.println(e.getMessage());
            System.exit(2);
        }
    }
}
