package dev.nextinfer.core.gguf;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.nextinfer.core.NextInferException;
import dev.nextinfer.core.checkpoint.CheckpointException;
import dev.nextinfer.tokenizer.Hostile;
import dev.nextinfer.tokenizer.StreamingDecoder;
import dev.nextinfer.tokenizer.Tokenizer;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * Fuzzes the GGUF reader on whole files in memory: the header ({@link GgufParser}: counts, lengths, types,
 * tensor infos), then what the engine reads from an accepted file — the model config ({@link GgufConfig}), the
 * tokenizer and chat template ({@link GgufTokenizer}), each tensor's bytes. Bad bytes fail with a one-line
 * {@link CheckpointException} (or {@link dev.nextinfer.core.config.ConfigException}), never another exception, a
 * large allocation or a hang. Seeds: small GGUF files written by {@link GgufWriter} (a vocabulary file and a
 * model file with a few tensors).
 */
class GgufFuzzTest {
    private static final Path FILE = Path.of("fuzz.gguf");

    /**
     * Seeds: a vocabulary-only file (GgufTokenizerErrorTest's valid vocabulary), the same with the fixture model's
     * config keys and a few small tensors, and the first 4 KiB of the fixture GGUF files.
     */
    static java.util.stream.Stream<byte[]> seeds() throws java.io.IOException {
        java.util.List<byte[]> out = new java.util.ArrayList<>();
        Path dir = java.nio.file.Files.createTempDirectory("gguf-seeds");
        try {
            Path vocab = dir.resolve("vocab.gguf");
            GgufWriter w = new GgufWriter();
            GgufTokenizerErrorTest.valid().forEach(w::put);
            w.write(vocab, (name, dst) -> { });
            out.add(java.nio.file.Files.readAllBytes(vocab));
            Path model = dir.resolve("model.gguf");
            GgufWriter m = new GgufWriter();
            try (GgufModel fixture = GgufModel.open(GgufFixtures.file("Q8_0"))) {
                fixture.metadata().forEach((k, v) -> {
                    if (!k.startsWith("tokenizer.")) {
                        m.put(k, v);
                    }
                });
            }
            GgufTokenizerErrorTest.valid().forEach(m::put);
            m.addTensor("token_embd.weight", new long[] {32, 2}, GgmlType.Q8_0);
            m.addTensor("output_norm.weight", new long[] {4}, GgmlType.F32);
            m.addTensor("blk.0.attn_norm.weight", new long[] {8}, GgmlType.F16);
            m.write(model, (name, dst) -> { });
            out.add(java.nio.file.Files.readAllBytes(model));
            for (Path f : java.util.List.of(GgufFixtures.file("Q8_0"), dev.nextinfer.core.testing.VocabGguf.file())) {
                try (var ch = java.nio.channels.FileChannel.open(f)) {
                    java.nio.ByteBuffer head = java.nio.ByteBuffer.allocate(4096);
                    ch.read(head);
                    out.add(java.util.Arrays.copyOf(head.array(), head.position()));
                }
            }
        } finally {
            try (var files = java.nio.file.Files.list(dir)) {
                for (Path p : files.toList()) {
                    java.nio.file.Files.delete(p);
                }
            }
            java.nio.file.Files.delete(dir);
        }
        return out.stream();
    }

    @org.junit.jupiter.params.provider.MethodSource("seeds")
    @FuzzTest
    void file(byte[] data) {
        GgufModel[] m = {null};
        if (!Hostile.survives(() -> m[0] = GgufModel.of(FILE, MemorySegment.ofArray(data)), CheckpointException.class)) {
            return;
        }
        GgufModel model = m[0];
        for (GgufTensorInfo t : model.tensors().values()) {
            MemorySegment bytes = model.data(t); // inside the file, or the parser would have refused it
            if (bytes.byteSize() != t.bytes()) {
                throw new AssertionError("tensor view of the wrong size: " + t);
            }
        }
        Hostile.survives(() -> GgufConfig.read(model), NextInferException.class);
        Tokenizer[] tok = {null};
        if (Hostile.survives(() -> tok[0] = GgufTokenizer.load(model), NextInferException.class)) {
            Tokenizer t = tok[0];
            int[] ids = t.encode("Hello, wörld! <|im_end|> 12345 😀");
            t.decode(ids, false);
            StreamingDecoder d = t.newStreamingDecoder(true);
            for (int id : new int[] {-1, 0, 1, t.vocabSize() - 1, t.vocabSize(), Integer.MAX_VALUE}) {
                d.push(id);
            }
            d.flush();
            if (t.chatTemplate() != null) {
                Hostile.survives(() -> t.encodeChat(java.util.List.of(java.util.Map.of("role", "user", "content", "Hi")), null, true, null),
                        dev.nextinfer.tokenizer.TokenizerException.class);
            }
        }
    }
}
