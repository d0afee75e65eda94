package io.github.structnet.kernels;

import io.github.structnet.lipschitz.GradientFlowDense;
import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * glibc keeps pages freed in the middle of its heap resident until {@code malloc_trim}; {@link GlibcHeap} returns
 * them, by hand and from its background thread, and keeps large buffers out of the heap.
 */
class GlibcHeapTest {

    private static final long BLOCK = 24 * 1024;
    private static final int BLOCKS = 3_000;
    private static final double MB = 1e6;

    /** Allocates and touches blocks of native memory the way ND4J allocates array buffers (malloc). */
    private static List<Pointer> allocate(int count) {
        return allocate(count, BLOCK);
    }

    private static List<Pointer> allocate(int count, long bytes) {
        List<Pointer> blocks = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Pointer p = Pointer.malloc(bytes);
            Pointer.memset(p, 1, bytes);
            blocks.add(p);
        }
        return blocks;
    }

    @Test
    void pagesFreedInsideTheHeapStayResidentUntilTrimmed() {
        assertTrue(GlibcHeap.available(), "this Linux's glibc has malloc_trim");
        long touched;
        long freedUntrimmed;
        long trimmed;
        boolean released;
        List<Pointer> blocks;
        synchronized (GlibcHeap.class) { // no background trim in between
            blocks = allocate(BLOCKS);
            touched = Pointer.physicalBytes();
            // every other block freed, the last kept: 36 MB of free pages between live blocks, none at the heap's top
            for (int i = 0; i < BLOCKS - 1; i += 2) {
                Pointer.free(blocks.get(i));
            }
            freedUntrimmed = Pointer.physicalBytes();
            released = GlibcHeap.trimNow();
            trimmed = Pointer.physicalBytes();
        }
        for (int i = 1; i < BLOCKS; i += 2) {
            Pointer.free(blocks.get(i));
        }
        double freedMb = BLOCKS / 2 * BLOCK / MB;
        System.out.printf("touched %.0f MB, after free %.0f MB, after trim %.0f MB (%.0f MB freed)%n", touched / MB,
                freedUntrimmed / MB, trimmed / MB, freedMb);
        assertTrue(freedUntrimmed > touched - 0.25 * freedMb * MB,
                "without a trim glibc keeps the freed pages resident");
        assertTrue(released, "malloc_trim reports released memory");
        assertTrue(freedUntrimmed - trimmed > 0.5 * freedMb * MB,
                "the trim returned at least half of the freed pages: " + (freedUntrimmed - trimmed) / MB + " MB");
    }

    @Test
    void trimsOnlyWhenTheResidentSetHasGrown() {
        List<Pointer> kept = null;
        synchronized (GlibcHeap.class) { // no background trim in between
            try {
                GlibcHeap.trimNow();
                assertFalse(GlibcHeap.trimIfGrown(), "nothing grew since the last trim");
                kept = allocate(4_000); // 98 MB more resident
                assertTrue(GlibcHeap.trimIfGrown(), "grown by far more than 1 %");
                assertFalse(GlibcHeap.trimIfGrown(), "the trim reset the reference");
            } finally {
                if (kept != null) {
                    kept.forEach(Pointer::free);
                }
            }
        }
    }

    /**
     * glibc accepted the fixed threshold. Whether a given large buffer then bypasses the heap depends on the free
     * chunks earlier tests left in it (glibc serves a request from a free chunk that fits before it maps new memory),
     * so the effect is measured by {@code bench.MemoryFlatness}, not asserted here.
     */
    @Test
    void theMmapThresholdIsFixed() {
        GlibcHeap.install();
        assertTrue(GlibcHeap.installed());
        assertTrue(GlibcHeap.thresholdFixed(), "mallopt(M_MMAP_THRESHOLD) accepted (the environment does not set it)");
    }

    @Test
    void buildingAStructNetLayerStartsTheBackgroundTrim() throws InterruptedException {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().list()
                .layer(new GradientFlowDense.Builder().nHidden(4).build())
                .setInputType(InputType.feedForward(4)).build());
        net.init();
        assertTrue(GlibcHeap.installed());
        GlibcHeap.trimNow();
        long before = GlibcHeap.trims();
        List<Pointer> kept = allocate(4_000);
        try {
            long deadline = System.nanoTime() + 4 * GlibcHeap.DEFAULT_TRIM_INTERVAL_MS * 1_000_000L;
            while (GlibcHeap.trims() == before && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(GlibcHeap.trims() > before, "the background thread trimmed after the growth");
        } finally {
            kept.forEach(Pointer::free);
        }
    }
}
