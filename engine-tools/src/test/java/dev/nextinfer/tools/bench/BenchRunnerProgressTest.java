package dev.nextinfer.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nextinfer.core.LoadOptions;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.testing.Fixtures;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link BenchRunner} names each phase as it starts, in the order it runs them, and only the phases it runs. */
class BenchRunnerProgressTest {
    @Test
    void phasesInOrder() {
        try (Qwen3Next q = Qwen3Next.load(Fixtures.model("tiny-f32"), LoadOptions.builder().threads(2).build())) {
            List<String> phases = new ArrayList<>();
            BenchRunner.run(q, 5, 3, 1000, 0, "f32", 0, 1, phases::add);
            assertEquals(List.of("warming up (the JIT compiles the kernels)", "filling 1,000 positions of synthetic context",
                    "prefilling 5 tokens", "decoding 3 tokens"), phases);

            phases.clear();
            BenchRunner.run(q, 4, 2, 0, 0, "f32", 1, 2, phases::add);
            assertEquals(List.of("warming up (the JIT compiles the kernels)", "prefilling 4 tokens", "decoding 2 tokens",
                    "decoding 2 tokens with MTP, 1 draft a round", "decoding 2 sequences together"), phases);
        }
    }
}
