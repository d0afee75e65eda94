package io.github.structnet.kernels;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import org.bytedeco.javacpp.Pointer;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keeps glibc's heap from holding on to the native memory of freed ND4J arrays, so that the resident set of a long
 * run stays flat.
 * <p>ND4J allocates every array's buffer with {@code malloc}. When batch and input sizes change from call to call,
 * buffers of many sizes are freed in an order the garbage collector decides. glibc serves requests from 128 kB up
 * with {@code mmap} and returns them to the system at {@code free}, but it raises that threshold to the size of each
 * such buffer freed (up to 32 MB), after which large buffers come from its heap too; freed there, their pages stay
 * resident until {@code malloc_trim}, and the resident set climbs over a long run although nothing leaks. When the
 * first StructNet layer is built, {@link #install()}:
 * <ul>
 *   <li>fixes the {@code mmap} threshold at {@value #DEFAULT_MMAP_THRESHOLD} bytes ({@code mallopt(M_MMAP_THRESHOLD)},
 *   glibc's own starting value, now kept), unless the environment sets it ({@code MALLOC_MMAP_THRESHOLD_} or
 *   {@code GLIBC_TUNABLES}); a large request that a free chunk of the heap can hold is still served from it;</li>
 *   <li>starts one daemon thread, {@code structnet-malloc-trim}, which every {@value #DEFAULT_TRIM_INTERVAL_MS} ms
 *   reads the resident set and, when it exceeds the value measured after the last trim by more than 1 %, calls
 *   {@code malloc_trim(0)} to return the free pages inside the heap. A trim takes milliseconds to tens of
 *   milliseconds and runs on that thread, not on the training or inference threads.</li>
 * </ul>
 * <p>Settings (system properties): {@code structnet.glibcHeap=false} leaves glibc's allocator as it is;
 * {@code structnet.glibcHeap.mmapThreshold} (bytes) and {@code structnet.glibcHeap.trimIntervalMs} change the two
 * values. Where the C library is not glibc nothing is changed; with an allocator preloaded in front of glibc
 * (jemalloc) the two calls reach glibc's unused heap and have no effect.
 */
public final class GlibcHeap {

    /** The property that leaves glibc's allocator untouched ({@code false}). */
    static final String ENABLED_PROPERTY = "structnet.glibcHeap";
    /** The property that sets the fixed {@code mmap} threshold in bytes. */
    static final String MMAP_THRESHOLD_PROPERTY = "structnet.glibcHeap.mmapThreshold";
    /** The property that sets the period of the background trim in milliseconds. */
    static final String TRIM_INTERVAL_PROPERTY = "structnet.glibcHeap.trimIntervalMs";
    /** glibc's initial {@code mmap} threshold, kept fixed. */
    static final long DEFAULT_MMAP_THRESHOLD = 128 * 1024;
    /** The default period between two checks of the resident set. */
    static final long DEFAULT_TRIM_INTERVAL_MS = 2_000;
    /** glibc's {@code mallopt} parameter number of {@code M_MMAP_THRESHOLD}. */
    private static final int M_MMAP_THRESHOLD = -3;
    /** Growth of the resident set since the last trim that triggers the next one. */
    private static final double GROWTH_BEFORE_TRIM = 0.01;

    private static final AtomicBoolean INSTALLED = new AtomicBoolean();
    private static final AtomicLong TRIMS = new AtomicLong();
    private static volatile long residentAfterLastTrim;
    private static volatile boolean thresholdFixed;

    private GlibcHeap() {
    }

    /** glibc's functions, or nulls where the C library is not glibc. */
    private static final class Libc {
        static final Function MALLOC_TRIM = lookUp("malloc_trim");
        static final Function MALLOPT = lookUp("mallopt");

        private static Function lookUp(String name) {
            try {
                return NativeLibrary.getInstance("c").getFunction(name);
            } catch (LinkageError | RuntimeException notGlibc) { // JNA cannot load, or no such symbol
                return null;
            }
        }
    }

    /** Whether this process's C library has {@code malloc_trim} and {@code mallopt} (Linux with glibc). */
    public static boolean available() {
        return Libc.MALLOC_TRIM != null && Libc.MALLOPT != null;
    }

    /**
     * Calls {@code malloc_trim(0)} now: every free page of every glibc arena goes back to the operating system. Trims
     * hold this class's lock, so a caller that holds it keeps the background thread from trimming meanwhile.
     *
     * @return whether glibc released any memory; false also where {@link #available()} is false
     */
    public static synchronized boolean trimNow() {
        if (!available()) {
            return false;
        }
        boolean released = Libc.MALLOC_TRIM.invokeInt(new Object[]{0}) != 0;
        TRIMS.incrementAndGet();
        residentAfterLastTrim = Pointer.physicalBytes();
        return released;
    }

    /** The number of trims this process has made (background and {@link #trimNow()}). */
    public static long trims() {
        return TRIMS.get();
    }

    /** Whether {@link #install()} has run in this process and found glibc. */
    public static boolean installed() {
        return INSTALLED.get();
    }

    /** Whether {@link #install()} fixed the {@code mmap} threshold (false where the environment sets it). */
    public static boolean thresholdFixed() {
        return thresholdFixed;
    }

    /**
     * Fixes the {@code mmap} threshold and starts the background trim, once per process, unless
     * {@code structnet.glibcHeap=false} or the C library is not glibc; called by every StructNet layer and vertex
     * when DL4J builds it.
     *
     * @throws IllegalArgumentException if a property holds something other than a positive number
     */
    public static void install() {
        if (INSTALLED.get() || "false".equalsIgnoreCase(System.getProperty(ENABLED_PROPERTY, "true").trim())) {
            return;
        }
        long threshold = Limits.positiveLong(MMAP_THRESHOLD_PROPERTY, DEFAULT_MMAP_THRESHOLD);
        long interval = Limits.positiveLong(TRIM_INTERVAL_PROPERTY, DEFAULT_TRIM_INTERVAL_MS);
        if (threshold > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("System property " + MMAP_THRESHOLD_PROPERTY + " = " + threshold
                    + "; at most " + Integer.MAX_VALUE + " bytes are allowed (default " + DEFAULT_MMAP_THRESHOLD + ")");
        }
        if (!available() || !INSTALLED.compareAndSet(false, true)) {
            return;
        }
        if (!environmentSetsThreshold()) {
            thresholdFixed = Libc.MALLOPT.invokeInt(new Object[]{M_MMAP_THRESHOLD, (int) threshold}) == 1;
        }
        residentAfterLastTrim = Pointer.physicalBytes();
        Thread thread = new Thread(() -> trimWhileRunning(interval), "structnet-malloc-trim");
        thread.setDaemon(true);
        thread.setPriority(Thread.MIN_PRIORITY);
        thread.start();
    }

    private static boolean environmentSetsThreshold() {
        String tunables = System.getenv("GLIBC_TUNABLES");
        return System.getenv("MALLOC_MMAP_THRESHOLD_") != null
                || tunables != null && tunables.contains("glibc.malloc.mmap_threshold");
    }

    private static void trimWhileRunning(long intervalMs) {
        while (true) {
            try {
                Thread.sleep(intervalMs);
            } catch (InterruptedException e) {
                return;
            }
            trimIfGrown();
        }
    }

    /** Trims when the resident set has grown by more than 1 % since the last trim; returns whether it trimmed. */
    static synchronized boolean trimIfGrown() {
        if (Pointer.physicalBytes() <= residentAfterLastTrim * (1 + GROWTH_BEFORE_TRIM)) {
            return false;
        }
        trimNow();
        return true;
    }
}
