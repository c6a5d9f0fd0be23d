package dev.nextinfer.core.gguf;

import dev.nextinfer.core.LoadOptions;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.io.Npy;
import dev.nextinfer.core.model.ForwardResult;
import dev.nextinfer.core.model.Qwen3NextModel;
import dev.nextinfer.core.model.SequenceState;
import dev.nextinfer.core.testing.Compare;
import org.junit.jupiter.api.Test;

class DiagTest {
    @Test
    void diag() {
        for (String v : GgufFixtures.QUANTISED) {
            try (Qwen3Next q = Qwen3Next.load(GgufFixtures.file(v), LoadOptions.builder().threads(2).kvCache(dev.nextinfer.core.model.KvCacheFormat.F32).build())) {
                Qwen3NextModel model = q.model();
                int vocab = model.config().vocabSize();
                for (int length : new int[] {7, 64}) {
                    int[] prompt = GgufFixtures.ints(GgufFixtures.prompt(v, length).get("ids"));
                    SequenceState s = model.newState(1024);
                    ForwardResult r = model.forward(prompt, 0, length, s, true, false);
                    Npy.Array exact = GgufFixtures.exact(v, length, "logits");
                    double m = Compare.maxAbsDiff(r.logits(), 0, exact.data(), 0, length * vocab);
                    String mtp = "";
                    if (model.hasMtp()) {
                        int[] next = GgufFixtures.ints(GgufFixtures.prompt(v, length).get("exact_mtp_next_ids"));
                        SequenceState s2 = model.newState(1024);
                        ForwardResult main = model.forward(prompt, 0, length, s2, true, false);
                        ForwardResult mt = model.mtpForward(main.hidden(), next, length, s2, true);
                        mtp = " mtp " + Compare.maxAbsDiff(mt.logits(), 0, GgufFixtures.exact(v, length, "mtp_logits").data(), 0, length * vocab);
                    }
                    System.out.println(v + " L" + length + " main " + m + mtp);
                }
            }
        }
    }
}
