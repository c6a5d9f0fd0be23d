package dev.nextinfer.core.gguf;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.core.LoadOptions;
import dev.nextinfer.core.Qwen3Next;
import org.junit.jupiter.api.Test;

/**
 * {@link Qwen3Next#speedNote()}: a model whose matrices have integer kernels, loaded without int8 activations, says
 * how to decode faster; with the option on, or with no such matrix (BF16), it says nothing.
 */
class SpeedNoteTest {
    private static Qwen3Next load(String variant, boolean int8) {
        return Qwen3Next.load(GgufFixtures.file(variant), LoadOptions.builder().threads(1).int8Activations(int8).build());
    }

    @Test
    void quantisedFileWithoutTheOptionGetsTheHint() {
        try (Qwen3Next q = load("Q4_K_M", false)) {
            assertNotNull(q.speedNote());
            assertTrue(q.speedNote().contains("--int8-activations"), q.speedNote());
        }
    }

    @Test
    void noHintWithTheOptionOn() {
        try (Qwen3Next q = load("Q4_K_M", true)) {
            assertNull(q.speedNote());
        }
    }

    @Test
    void noHintWithoutMatricesThatHaveIntegerKernels() {
        try (Qwen3Next q = load("BF16", false)) {
            assertNull(q.speedNote());
        }
    }
}
