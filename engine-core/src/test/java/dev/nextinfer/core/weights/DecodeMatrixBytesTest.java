package dev.nextinfer.core.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.core.LoadOptions;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.testing.Fixtures;
import org.junit.jupiter.api.Test;

/** {@link ModelWeights#decodeMatrixBytes}: the routed experts' share, everything else whole, one embedding row. */
class DecodeMatrixBytesTest {
    @Test
    void countsEveryMatrixButTheRoutedExpertsShareAndTheMtpHead() {
        try (Qwen3Next q = Qwen3Next.load(Fixtures.model("tiny-bf16-8l"), LoadOptions.builder().weights(WeightFormat.Q8_0).threads(1).build())) {
            ModelWeights w = q.model().weights();
            int experts = q.config().numExperts();
            long routed = 0;
            long mtp = 0;
            for (LayerWeights l : w.layers()) {
                for (MlpWeights e : l.moe() == null ? new MlpWeights[0] : l.moe().experts()) {
                    routed += e.gateProj().byteSize() + e.upProj().byteSize() + e.downProj().byteSize();
                }
            }
            if (w.mtp() != null) {
                ModelWeights withoutMtp = new ModelWeights(w.embedTokens(), w.layers(), w.norm(), w.lmHead(), null);
                mtp = w.matrixBytes() - withoutMtp.matrixBytes();
            }
            assertTrue(routed > 0 && experts > 1);
            double none = w.decodeMatrixBytes(0);
            long embed = w.embedTokens().byteSize();
            // with no routed expert: all the other matrices, lm_head, one row of the embedding, no MTP head
            assertEquals(w.matrixBytes() - routed - mtp - embed + (double) embed / w.embedTokens().rows()
                    + (w.lmHead() == w.embedTokens() ? embed : 0), none, 1e-6 * none);
            // each routed expert per token adds a layer's 1/E of the experts, up to all of them
            assertEquals(none + routed / (double) experts, w.decodeMatrixBytes(1), 1e-6 * none);
            assertEquals(none + 2 * routed / (double) experts, w.decodeMatrixBytes(2), 1e-6 * none);
            assertEquals(none + routed, w.decodeMatrixBytes(experts), 1e-6 * none);
            assertEquals(none + routed, w.decodeMatrixBytes(experts + 5), 1e-6 * none);
        }
    }
}
