package io.github.structnet.kernels;

import org.bytedeco.dnnl.dnnl_version_t;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.Loader;
import org.nd4j.linalg.factory.Nd4j;

/**
 * oneDNN 2.5 as loaded by JavaCPP ({@code org.bytedeco:dnnl}), for the direct routes of {@link DirectConvolution} and
 * of large products in {@link Gemm}: its CPU engine and each thread's stream, or the reason it is not used. ND4J
 * links its own copy of oneDNN inside its library, which Java cannot call; this one shares ND4J's OpenMP runtime (one
 * libgomp in the process).
 */
public final class OneDnn {

    /**
     * System property that turns every direct native route off ({@code -Dstructnet.oneDnn=false}): oneDNN primitives
     * and direct OpenBLAS calls, so that all work goes through ND4J's ops, the route the CUDA backend takes. Read per
     * call.
     */
    public static final String SWITCH_PROPERTY = "structnet.oneDnn";

    private static final Probe PROBE = Probe.run();
    /** A stream is not thread-safe: each thread has its own, shared by all its primitives. */
    private static final ThreadLocal<stream> STREAMS = ThreadLocal.withInitial(() -> new stream(PROBE.cpu()));

    private OneDnn() {
    }

    /**
     * The CPU engine, or null when oneDNN is not loaded, the backend is not ND4J's CPU backend, or the switch is off.
     */
    static engine engine() {
        return switchedOff() ? null : PROBE.cpu();
    }

    /** Whether {@link #SWITCH_PROPERTY} is {@code false}. */
    static boolean switchedOff() {
        return "false".equalsIgnoreCase(System.getProperty(SWITCH_PROPERTY));
    }

    /** The CPU engine whatever the switch says (null when oneDNN did not load), for per-thread state. */
    static engine loadedEngine() {
        return PROBE.cpu();
    }

    /** The calling thread's stream on the CPU engine (only once {@link #engine} has returned an engine). */
    static stream stream() {
        return STREAMS.get();
    }

    /** Whether the direct oneDNN routes run (oneDNN loaded on ND4J's CPU backend, switch not off). */
    public static boolean isActive() {
        return engine() != null;
    }

    /** Which route convolutions and large products take, and why, for logs and benchmark headers. */
    public static String status() {
        if (PROBE.cpu() != null && engine() == null) {
            return "off (-D" + SWITCH_PROPERTY + "=false): ND4J's ops";
        }
        return PROBE.status();
    }

    /** The oneDNN CPU engine, or null with the reason it is not used. */
    private record Probe(engine cpu, String status) {

        static Probe run() {
            try {
                String backend = Nd4j.getBackend().getClass().getSimpleName();
                if (!"CpuBackend".equals(backend)) {
                    return new Probe(null, "off on " + backend + ": ND4J's ops");
                }
                Loader.load(dnnl.class);
                engine cpu = new engine(engine.kind.cpu, 0);
                dnnl_version_t v = dnnl.dnnl_version();
                return new Probe(cpu, "oneDNN " + v.major() + "." + v.minor() + "." + v.patch()
                        + " called directly for float convolutions and large products");
            } catch (Throwable unavailable) {
                // no oneDNN natives for this platform: every call stays with ND4J
                return new Probe(null, "off, oneDNN did not load (" + unavailable + "): ND4J's ops");
            }
        }
    }
}
