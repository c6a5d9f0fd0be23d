package dev.nextinfer.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class CpuInfoTest {
    /** Two processors of a KVM guest on Zen 5, as its kernel prints them (abridged flags). */
    private static final String ZEN5 = """
            processor	: 0
            vendor_id	: AuthenticAMD
            cpu family	: 26
            model		: 2
            model name	: AMD EPYC
            flags		: fpu vme sse sse2 avx avx2 avx512f avx512dq avx512bw avx512vl avx_vnni avx512_bf16 avx512_vnni avx512_vp2intersect

            processor	: 1
            vendor_id	: AuthenticAMD
            cpu family	: 25
            model		: 17
            model name	: Other
            flags		: fpu sse avx512_fp16
            """;

    @Test
    void readsTheFirstProcessorsModelGenerationAndDotProductFeatures() {
        CpuInfo c = CpuInfo.parse(ZEN5, "amd64", 512);
        assertEquals("AMD EPYC", c.model());
        assertEquals(26, c.family());
        assertEquals(2, c.modelNumber());
        assertEquals(List.of("avx2", "avx512f", "avx512bw", "avx512_vnni", "avx_vnni", "avx512_bf16"), c.features());
        assertEquals("AMD EPYC (family 26 model 2; avx2 avx512f avx512bw avx512_vnni avx_vnni avx512_bf16; 512-bit vectors)",
                c.describe());
    }

    @Test
    void anArmKernelsFeaturesLineAndNoModelName() {
        String arm = "processor\t: 0\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd evtstrm sve\nCPU implementer\t: 0x41\n";
        CpuInfo c = CpuInfo.parse(arm, "aarch64", 128);
        assertEquals("aarch64", c.model());
        assertEquals(-1, c.family());
        assertEquals(List.of("asimd", "sve"), c.features());
        assertEquals("aarch64 (asimd sve; 128-bit vectors)", c.describe());
    }

    @Test
    void noCpuinfoOrGarbageGivesTheArchitecture() {
        for (String text : new String[] {"", "\n\n", "no colon here\n:\n model : x12\ncpu family : -\n"}) {
            CpuInfo c = CpuInfo.parse(text, "amd64", 256);
            assertEquals(-1, c.family(), text);
            assertTrue(c.features().isEmpty(), text);
            assertEquals(256, c.vectorBits());
        }
        assertEquals("amd64 (256-bit vectors)", CpuInfo.parse("", "amd64", 256).describe());
    }

    @Test
    void thisMachine() {
        CpuInfo c = CpuInfo.current();
        assertFalse(c.model().isBlank());
        assertTrue(c.vectorBits() >= 64, c.toString());
    }
}
