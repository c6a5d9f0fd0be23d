package dev.nextinfer.core.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.core.checkpoint.ModelFiles;
import dev.nextinfer.core.weights.LoadListener;
import dev.nextinfer.kernels.ThreadPool;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * nextinfer's GGUF writer against llama.cpp's converter: exporting the {@code q3n-256} safetensors checkpoint as
 * BF16 must give the very file llama.cpp's {@code convert_hf_to_gguf.py} wrote — same tensor names, dimensions and
 * types, and the same bytes (up to an ulp where both compute {@code −exp(A_log)} in f32).
 */
class GgufExportTest {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @TempDir
    Path tmp;

    @Test
    void bf16ExportOfTheSafetensorsCheckpointIsLlamaCppsConversion() throws IOException {
        Path out = tmp.resolve("q3n-256-BF16.gguf");
        try (ModelFiles hf = ModelFiles.open(GgufFixtures.safetensors()); ThreadPool pool = new ThreadPool(2)) {
            GgufExport.write(hf.config(), hf.tensors(), Map.of(), GgufRecipe.BF16, out, pool, LoadListener.NONE);
        }
        try (GgufModel ours = GgufModel.open(out); GgufModel theirs = GgufModel.open(GgufFixtures.file("BF16"))) {
            assertEquals(theirs.tensors().keySet(), ours.tensors().keySet());
            for (GgufTensorInfo t : theirs.tensors().values()) {
                GgufTensorInfo o = ours.tensor(t.name());
                assertArrayEquals(t.ne(), o.ne(), t.name());
                assertEquals(t.type(), o.type(), t.name());
                MemorySegment a = theirs.data(t);
                MemorySegment b = ours.data(o);
                if (t.name().endsWith("ssm_a")) {
                    for (long i = 0; i < a.byteSize() / 4; i++) {
                        float x = a.getAtIndex(F32, i);
                        assertEquals(x, b.getAtIndex(F32, i), Math.ulp(x), t.name() + "[" + i + "]");
                    }
                } else {
                    assertEquals(-1L, a.mismatch(b), t.name() + " bytes differ");
                }
            }
            for (String key : new String[] {"qwen3next.block_count", "qwen3next.embedding_length", "qwen3next.expert_count",
                    "qwen3next.ssm.inner_size", "qwen3next.full_attention_interval", "qwen3next.nextn_predict_layers",
                    "qwen3next.rope.dimension_count", "qwen3next.attention.key_length"}) {
                assertEquals(theirs.integer(key), ours.integer(key), key);
            }
            assertEquals(theirs.number("qwen3next.rope.freq_base"), ours.number("qwen3next.rope.freq_base"), 1e-3);
        }
    }

    @Test
    void aGgufReExportedInItsOwnTypesKeepsEveryByte() throws IOException {
        Path out = tmp.resolve("copy.gguf");
        try (ModelFiles src = ModelFiles.open(GgufFixtures.file("BF16")); ThreadPool pool = new ThreadPool(2)) {
            GgufExport.write(src.config(), src.tensors(), Map.of(), GgufRecipe.BF16, out, pool, LoadListener.NONE);
        }
        try (GgufModel ours = GgufModel.open(out); GgufModel theirs = GgufModel.open(GgufFixtures.file("BF16"))) {
            int exact = 0;
            for (GgufTensorInfo t : theirs.tensors().values()) {
                if (theirs.data(t).mismatch(ours.data(ours.tensor(t.name()))) == -1) {
                    exact++;
                }
            }
            // norms (1 + w → w → 1 + w) and ssm_a (−exp → log → −exp) round-trip through f32 and may move by an ulp
            assertTrue(exact >= theirs.tensors().size() - 30, exact + " of " + theirs.tensors().size() + " tensors byte-identical");
        }
    }

    @Test
    void withoutMtpTheNextnBlockIsLeftOutAndTheRestIsUnchanged() throws IOException {
        Path out = tmp.resolve("no-mtp.gguf");
        try (ModelFiles src = ModelFiles.open(GgufFixtures.file("BF16")); ThreadPool pool = new ThreadPool(2)) {
            assertTrue(src.tensors().hasMtp(), "the fixture has an MTP block");
            GgufExport.write(src.config(), src.tensors(), Map.of(), GgufRecipe.BF16, false, out, pool, LoadListener.NONE);
        }
        try (GgufModel ours = GgufModel.open(out); GgufModel theirs = GgufModel.open(GgufFixtures.file("BF16"))) {
            long layers = theirs.integer("qwen3next.block_count") - theirs.integer("qwen3next.nextn_predict_layers");
            String mtpBlock = "blk." + layers + ".";
            java.util.Set<String> expected = new java.util.TreeSet<>(theirs.tensors().keySet());
            expected.removeIf(n -> n.startsWith(mtpBlock));
            assertEquals(expected, new java.util.TreeSet<>(ours.tensors().keySet()));
            assertEquals(layers, ours.integer("qwen3next.block_count"));
            assertEquals(0, ours.integer("qwen3next.nextn_predict_layers", 0));
        }
        try (ModelFiles reloaded = ModelFiles.open(out)) {
            assertTrue(!reloaded.tensors().hasMtp(), "no MTP head after --no-mtp");
        }
    }
}
