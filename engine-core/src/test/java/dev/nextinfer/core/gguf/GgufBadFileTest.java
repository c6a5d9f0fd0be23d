package dev.nextinfer.core.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.core.LoadOptions;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.checkpoint.CheckpointException;
import dev.nextinfer.core.checkpoint.ModelFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Malformed GGUF files: each fails with one {@link CheckpointException} line naming the file and what was wrong,
 * never with an exception from deep inside, a read outside the mapping or an allocation sized by an unchecked count.
 */
class GgufBadFileTest {
    @TempDir
    Path dir;

    /** Little-endian bytes of a hand-made header. */
    private static final class Bytes {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Bytes u32(long v) {
            return raw(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
        }

        Bytes u64(long v) {
            return raw(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
        }

        Bytes str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            return u64(b.length).raw(b);
        }

        Bytes raw(byte[] b) {
            out.writeBytes(b);
            return this;
        }

        Bytes header(long tensors, long kvs) {
            return raw("GGUF".getBytes(StandardCharsets.US_ASCII)).u32(3).u64(tensors).u64(kvs);
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }

    private Path file(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    private String openError(Path p) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> GgufModel.open(p).close());
        assertTrue(e.getMessage().startsWith(p.toString()), "names the file: " + e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void wrongMagicOrVersion() throws IOException {
        assertTrue(openError(file("a.gguf", new Bytes().raw("GGML".getBytes()).u32(3).u64(0).u64(0).bytes())).contains("not a GGUF file"));
        assertTrue(openError(file("b.gguf", new Bytes().raw("GGUF".getBytes()).u32(1).u64(0).u64(0).bytes())).contains("version 1 is not supported"));
        assertTrue(openError(file("c.gguf", new Bytes().raw("GGUF".getBytes()).u32(99).u64(0).u64(0).bytes())).contains("version 99"));
        assertTrue(openError(file("d.gguf", new Bytes().raw("GGUF".getBytes()).raw(new byte[] {0, 0, 0, 3}).u64(0).u64(0).bytes()))
                .contains("big-endian"));
        assertTrue(openError(file("e.gguf", new byte[] {'G', 'G'})).contains("not a GGUF file"));
        assertTrue(openError(file("f.gguf", new byte[0])).contains("empty file"));
    }

    @Test
    void countsAndLengthsPastTheEnd() throws IOException {
        assertTrue(openError(file("kv.gguf", new Bytes().header(0, 1_000_000_000L).bytes())).contains("1000000000 metadata entries"));
        assertTrue(openError(file("t.gguf", new Bytes().header(1_000_000_000L, 0).bytes())).contains("1000000000 tensors"));
        assertTrue(openError(file("s.gguf", new Bytes().header(0, 1).u64(1L << 60).raw(new byte[16]).bytes()))
                .contains("length 1152921504606846976"));
        byte[] arrayHeader = new Bytes().header(0, 1).str("k").u32(GgufValueType.ARRAY.id()).u32(GgufValueType.UINT32.id())
                .u64(1L << 40).bytes();
        assertTrue(openError(file("arr.gguf", arrayHeader)).contains("does not fit"));
        byte[] truncated = new Bytes().header(0, 1).str("general.name").u32(GgufValueType.STRING.id()).u64(10).raw("abc".getBytes()).bytes();
        assertTrue(openError(file("trunc.gguf", truncated)).contains("exceeds"));
        byte[] cut = new Bytes().header(0, 2).str("a").u32(GgufValueType.UINT32.id()).u32(1).str("b").u32(GgufValueType.UINT64.id())
                .raw(new byte[3]).bytes();
        assertTrue(openError(file("cut.gguf", cut)).contains("truncated header"));
    }

    @Test
    void unknownTypesAndBadValues() throws IOException {
        assertTrue(openError(file("vt.gguf", new Bytes().header(0, 1).str("k").u32(13).u32(0).bytes())).contains("unknown value type 13"));
        assertTrue(openError(file("b.gguf", new Bytes().header(0, 1).str("k").u32(GgufValueType.BOOL.id()).raw(new byte[] {7, 0, 0, 0}).bytes()))
                .contains("boolean value 7"));
        byte[] badUtf8 = new Bytes().header(0, 1).u64(2).raw(new byte[] {(byte) 0xC3, 0x28}).u32(GgufValueType.UINT8.id()).raw(new byte[4]).bytes();
        assertTrue(openError(file("u.gguf", badUtf8)).contains("not valid UTF-8"));
        byte[] dup = new Bytes().header(0, 2).str("k").u32(GgufValueType.UINT8.id()).raw(new byte[1]).str("k").u32(GgufValueType.UINT8.id())
                .raw(new byte[1]).bytes();
        assertTrue(openError(file("dup.gguf", dup)).contains("appears twice"));
        Bytes deep = new Bytes().header(0, 1).str("k").u32(GgufValueType.ARRAY.id());
        for (int i = 0; i < 6; i++) {
            deep.u32(GgufValueType.ARRAY.id()).u64(1);
        }
        assertTrue(openError(file("deep.gguf", deep.raw(new byte[64]).bytes())).contains("nested deeper"));
    }

    /** A valid file with one tensor of {@code typeId}, ne, offset, and {@code data} bytes of data. */
    private byte[] oneTensor(long typeId, long[] ne, long offset, int data) {
        Bytes b = new Bytes().header(1, 0).str("w").u32(ne.length);
        for (long d : ne) {
            b.u64(d);
        }
        b.u32(typeId).u64(offset);
        int pad = (int) (GgufParser.align(b.out.size(), 32) - b.out.size());
        return b.raw(new byte[pad + data]).bytes();
    }

    @Test
    void badTensorInfos() throws IOException {
        assertTrue(openError(file("ty.gguf", oneTensor(99, new long[] {32}, 0, 128))).contains("unknown ggml type id 99"));
        assertTrue(openError(file("blk.gguf", oneTensor(GgmlType.Q4_K.id(), new long[] {100, 2}, 0, 1024))).contains("not a multiple of its block of 256"));
        assertTrue(openError(file("end.gguf", oneTensor(GgmlType.F32.id(), new long[] {64, 4}, 0, 100))).contains("past the end of the file"));
        assertTrue(openError(file("al.gguf", oneTensor(GgmlType.F32.id(), new long[] {4}, 8, 64))).contains("not aligned"));
        assertTrue(openError(file("dim.gguf", oneTensor(GgmlType.F32.id(), new long[] {1, 1, 1, 1, 1}, 0, 64))).contains("5 dimensions"));
        assertTrue(openError(file("zero.gguf", oneTensor(GgmlType.F32.id(), new long[] {0}, 0, 64))).contains("dimension 0 = 0"));
        Bytes two = new Bytes().header(2, 0);
        for (String n : new String[] {"a", "b"}) {
            two.str(n).u32(1).u64(16).u32(GgmlType.F32.id()).u64(0);
        }
        int pad = (int) (GgufParser.align(two.out.size(), 32) - two.out.size());
        assertTrue(openError(file("ov.gguf", two.raw(new byte[pad + 64]).bytes())).contains("overlap"));
    }

    // ---- files that parse but are not a usable qwen3next model

    private Path model(String name, Map<String, GgufValue> meta) throws IOException {
        Path p = dir.resolve(name);
        GgufWriter w = new GgufWriter();
        meta.forEach(w::put);
        w.write(p, (n, seg) -> { });
        return p;
    }

    private static GgufValue u32(long v) {
        return new GgufValue(GgufValueType.UINT32, v);
    }

    private static GgufValue str(String s) {
        return new GgufValue(GgufValueType.STRING, s);
    }

    @Test
    void architectureKeysAreChecked() throws IOException {
        Path llama = model("llama.gguf", Map.of("general.architecture", str("llama")));
        String e = assertThrows(CheckpointException.class, () -> ModelFiles.open(llama).close()).getMessage();
        assertTrue(e.contains("general.architecture is 'llama', expected 'qwen3next'"), e);

        Path none = model("none.gguf", Map.of("general.name", str("x")));
        e = assertThrows(CheckpointException.class, () -> ModelFiles.open(none).close()).getMessage();
        assertTrue(e.contains("missing metadata key 'general.architecture'"), e);

        Path missing = model("missing.gguf", Map.of("general.architecture", str("qwen3next")));
        e = assertThrows(CheckpointException.class, () -> ModelFiles.open(missing).close()).getMessage();
        assertTrue(e.contains("missing metadata key 'qwen3next.block_count'"), e);

        Path typed = model("typed.gguf", Map.of("general.architecture", str("qwen3next"), "qwen3next.block_count", str("48")));
        e = assertThrows(CheckpointException.class, () -> ModelFiles.open(typed).close()).getMessage();
        assertTrue(e.contains("'qwen3next.block_count' is STRING \"48\", expected an integer"), e);
    }

    @Test
    void missingSplitShard() throws IOException {
        Path first = dir.resolve("m-00001-of-00002.gguf");
        GgufWriter w = new GgufWriter().putString("general.architecture", "qwen3next")
                .put("split.no", new GgufValue(GgufValueType.UINT16, 0L)).put("split.count", new GgufValue(GgufValueType.UINT16, 2L))
                .put("split.tensors.count", new GgufValue(GgufValueType.INT32, 0L));
        w.write(first, (n, seg) -> { });
        String e = assertThrows(CheckpointException.class, () -> GgufModel.open(first).close()).getMessage();
        assertTrue(e.contains("split shard 2 of 2 is missing"), e);
    }

    @Test
    void anUnsupportedTensorTypeIsNamedBeforeAnyCompute() throws IOException {
        // IQ3_S blocks have Q3_K's geometry (256 values in 110 bytes): relabelling a Q3_K tensor keeps the file
        // valid, and the loader must name the tensor and its type before computing anything
        Path src = GgufFixtures.file("Q2_K");
        String name = "blk.0.ffn_down_exps.weight";
        try (GgufModel m = GgufModel.open(src)) {
            assertEquals(GgmlType.Q3_K, m.tensor(name).type());
        }
        byte[] bytes = Files.readAllBytes(src);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt((int) typeFieldOffset(src, name), GgmlType.IQ3_S.id());
        Path bad = file("iq3s.gguf", bytes);
        String e = assertThrows(CheckpointException.class, () -> Qwen3Next.load(bad, LoadOptions.defaults()).close()).getMessage();
        assertTrue(e.contains("'" + name + "' has type IQ3_S, which nextinfer cannot compute with"), e);
        assertTrue(!e.contains("\n"), e);
    }

    /** Byte offset of the type field in the tensor info of {@code name}. */
    private static long typeFieldOffset(Path file, String name) throws IOException {
        byte[] b = Files.readAllBytes(file);
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        outer:
        for (int i = 0; i + 8 + n.length < b.length; i++) {
            if (ByteBuffer.wrap(b, i, 8).order(ByteOrder.LITTLE_ENDIAN).getLong() != n.length) {
                continue;
            }
            for (int j = 0; j < n.length; j++) {
                if (b[i + 8 + j] != n[j]) {
                    continue outer;
                }
            }
            int p = i + 8 + n.length;
            int dims = ByteBuffer.wrap(b, p, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
            return p + 4 + 8L * dims;
        }
        throw new IllegalStateException(name + " not found");
    }

    @Test
    void aTruncatedModelFileFails() throws IOException {
        byte[] bytes = Files.readAllBytes(GgufFixtures.file("Q4_K_M"));
        Path cut = file("cut.gguf", java.util.Arrays.copyOf(bytes, bytes.length - 1000));
        assertTrue(openError(cut).contains("truncated"));
    }

    @Test
    void aValidHeaderRoundTrips() throws IOException {
        Path p = model("ok.gguf", Map.of("general.architecture", str("qwen3next"), "x.count", u32(7)));
        try (GgufModel m = GgufModel.open(p)) {
            assertEquals("qwen3next", m.string("general.architecture"));
            assertEquals(7, m.integer("x.count"));
            assertEquals(0, m.tensors().size());
        }
    }
}
