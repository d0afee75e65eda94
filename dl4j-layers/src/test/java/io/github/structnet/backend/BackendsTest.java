package io.github.structnet.backend;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The backend report on this (CPU) machine, and the GPU check on device descriptions: no GPU is available
 * here, so the refusal is tested on the parsed nvidia-smi lines of the GPUs in question.
 */
class BackendsTest {

    @Test
    void reportsTheCpuBackend() {
        Backends.Report report = Backends.requireSupported();
        assertEquals("CPU", report.backend());
        assertTrue(report.devices().isEmpty());
        assertFalse(Backends.cudaOnClasspath());
    }

    @Test
    void refusesHopperAndNewerWithAClearMessage() {
        Backends.Device h100 = Backends.parseNvidiaSmiLine("NVIDIA H100 80GB HBM3, 9.0");
        assertEquals(new Backends.Device("NVIDIA H100 80GB HBM3", 9, 0), h100);
        String msg = assertThrows(UnsupportedOperationException.class, () -> Backends.checkSupported(h100))
                .getMessage();
        assertTrue(msg.contains("NVIDIA H100") && msg.contains("9.0") && msg.contains("3.7 to 8.9"), msg);
        assertThrows(UnsupportedOperationException.class,
                () -> Backends.checkSupported(new Backends.Device("NVIDIA B200", 10, 0)));
        assertThrows(UnsupportedOperationException.class,
                () -> Backends.checkSupported(new Backends.Device("Tesla K20", 3, 5)));
    }

    @Test
    void acceptsKeplerToAda() {
        for (String line : new String[]{"Tesla K80, 3.7", "NVIDIA A100-SXM4-40GB, 8.0", "NVIDIA GeForce RTX 3090, 8.6",
                "NVIDIA L4, 8.9"}) {
            assertDoesNotThrow(() -> Backends.checkSupported(Backends.parseNvidiaSmiLine(line)), line);
        }
        assertNull(Backends.parseNvidiaSmiLine("NVIDIA-SMI has failed"));
    }
}
