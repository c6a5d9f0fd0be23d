package dev.nextinfer.core.gguf;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.core.NextInferException;
import dev.nextinfer.core.checkpoint.CheckpointException;
import dev.nextinfer.core.config.ConfigException;
import dev.nextinfer.core.config.ConfigParser;
import dev.nextinfer.tokenizer.Hostile;
import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Headers that claim absurd sizes — 10⁹ tensors, a 2⁶⁰-byte string, a 2⁴⁰-element array, a 2⁶⁰-byte safetensors
 * header, a tensor of 2⁸⁰ elements, a config of 10⁹ layers — fail at once with a one-line error naming the file,
 * having allocated almost nothing (measured: the thread's allocated bytes).
 */
class HostileFilesTest {
    /** Generous: a failed parse of a tiny file allocates kilobytes; a claimed size believed would be gigabytes. */
    private static final long MAX_ALLOCATED = 16L << 20;

    @TempDir
    Path dir;

    private static long allocated() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    private static <T extends NextInferException> String refusedCheaply(Class<T> type, Executable e) {
        long before = allocated();
        T ex = assertThrows(type, e);
        long used = allocated() - before;
        assertTrue(used < MAX_ALLOCATED, "allocated " + used + " bytes for " + ex.getMessage());
        Hostile.requireOneLine(ex);
        return ex.getMessage();
    }

    /** A GGUF v3 header: magic, version, tensor count, metadata count, then {@code rest}. */
    private Path gguf(long tensors, long kvs, byte[] rest) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(24 + rest.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(GgufParser.MAGIC).putInt(3).putLong(tensors).putLong(kvs).put(rest);
        Path p = dir.resolve("hostile" + System.nanoTime() + ".gguf");
        Files.write(p, b.array());
        return p;
    }

    private static byte[] kv(String key, int type, byte[] value) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + k.length + 4 + value.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(k.length).put(k).putInt(type).put(value);
        return b.array();
    }

    private static byte[] le(long... values) {
        ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            b.putLong(v);
        }
        return b.array();
    }

    @Test
    void ggufClaimingABillionTensors() throws Exception {
        Path p = gguf(1_000_000_000L, 0, new byte[64]);
        String m = refusedCheaply(CheckpointException.class, () -> GgufModel.open(p));
        assertTrue(m.contains("claims 1000000000 tensors"), m);
    }

    @Test
    void ggufClaimingAHugeMetadataCount() throws Exception {
        Path p = gguf(0, 1L << 62, new byte[64]);
        String m = refusedCheaply(CheckpointException.class, () -> GgufModel.open(p));
        assertTrue(m.contains("metadata entries"), m);
    }

    @Test
    void ggufStringOfTwoToTheSixtyBytes() throws Exception {
        byte[] rest = le(1L << 60); // the first key's length
        Path p = gguf(0, 1, java.util.Arrays.copyOf(rest, 64));
        String m = refusedCheaply(CheckpointException.class, () -> GgufModel.open(p));
        assertTrue(m.contains("length 1152921504606846976") && m.contains("exceeds"), m);
    }

    @Test
    void ggufArrayOfTwoToTheFortyElements() throws Exception {
        ByteBuffer v = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putInt(GgufValueType.UINT32.id()).putLong(1L << 40);
        Path p = gguf(0, 1, java.util.Arrays.copyOf(kv("tokenizer.ggml.token_type", GgufValueType.ARRAY.id(), v.array()), 128));
        String m = refusedCheaply(CheckpointException.class, () -> GgufModel.open(p));
        assertTrue(m.contains("array of 1099511627776"), m);
    }

    @Test
    void ggufTensorOfTwoToTheEightyElements() throws Exception {
        byte[] name = "big".getBytes(StandardCharsets.UTF_8);
        ByteBuffer t = ByteBuffer.allocate(8 + name.length + 4 + 16 + 4 + 8).order(ByteOrder.LITTLE_ENDIAN);
        t.putLong(name.length).put(name).putInt(2).putLong(1L << 40).putLong(1L << 40).putInt(0).putLong(0);
        Path p = gguf(1, 0, java.util.Arrays.copyOf(t.array(), 128));
        String m = refusedCheaply(CheckpointException.class, () -> GgufModel.open(p));
        assertTrue(m.contains("too many elements"), m);
    }

    /** Fuzzer finding (GgufFuzzTestInputs/file/tensor-offset-past-2-63): an offset ≥ 2⁶³ read as negative passed the checks. */
    @Test
    void ggufTensorOffsetPastTwoToTheSixtyThree() throws Exception {
        byte[] name = "t".getBytes(StandardCharsets.UTF_8);
        ByteBuffer t = ByteBuffer.allocate(8 + name.length + 4 + 8 + 4 + 8).order(ByteOrder.LITTLE_ENDIAN);
        t.putLong(name.length).put(name).putInt(1).putLong(32).putInt(GgmlType.F32.id()).putLong(-5061201556234299840L);
        Path p = gguf(1, 0, java.util.Arrays.copyOf(t.array(), 256));
        String m = refusedCheaply(CheckpointException.class, () -> GgufModel.open(p));
        assertTrue(m.contains("data offset 13385542517475251776, past the end"), m);
    }

    @Test
    void safetensorsHeaderOfTwoToTheSixtyBytes() throws Exception {
        Path p = dir.resolve("model.safetensors");
        Files.write(p, ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 60).array());
        String m = refusedCheaply(CheckpointException.class, () -> dev.nextinfer.core.safetensors.SafetensorsFile.open(p, Arena.ofAuto()));
        assertTrue(m.contains("header length 1152921504606846976 runs past the end"), m);
    }

    @Test
    void safetensorsTensorOfTwoToTheEightyElements() throws Exception {
        String header = "{\"big\": {\"dtype\": \"F32\", \"shape\": [1099511627776, 1099511627776], \"data_offsets\": [0, 4]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        Path p = dir.resolve("model.safetensors");
        Files.write(p, ByteBuffer.allocate(8 + h.length + 4).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).put(h).array());
        String m = refusedCheaply(CheckpointException.class, () -> dev.nextinfer.core.safetensors.SafetensorsFile.open(p, Arena.ofAuto()));
        assertTrue(m.contains("too many elements") || m.contains("too large"), m);
    }

    @Test
    void configOfABillionLayers() {
        String m = refusedCheaply(ConfigException.class, () -> ConfigParser.parse("{\"num_hidden_layers\": 1000000000}", "config.json"));
        assertTrue(m.contains("num_hidden_layers") && m.contains("implausibly large"), m);
        String v = refusedCheaply(ConfigException.class, () -> ConfigParser.parse("{\"vocab_size\": 2000000000}", "config.json"));
        assertTrue(v.contains("vocab_size"), v);
    }

    @Test
    void namesWithLineBreaksStayOnOneLine() throws Exception {
        String header = "{\"evil\\nname\\r\\u2028\": {\"dtype\": \"F99\", \"shape\": [1], \"data_offsets\": [0, 4]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        Path p = dir.resolve("model.safetensors");
        Files.write(p, ByteBuffer.allocate(8 + h.length + 4).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).put(h).array());
        String m = refusedCheaply(CheckpointException.class, () -> dev.nextinfer.core.safetensors.SafetensorsFile.open(p, Arena.ofAuto()));
        assertTrue(m.contains("evil\\nname\\r\\u2028"), "escaped: " + m);
        String huge = "x".repeat(1 << 20);
        String longName = refusedCheaply(CheckpointException.class, () -> {
            throw new CheckpointException("file: tensor '" + huge + "': bad");
        });
        assertTrue(longName.length() <= Hostile.MAX_MESSAGE, "bounded: " + longName.length());
        assertTrue(longName.endsWith("': bad") && longName.contains("characters cut"), longName.substring(0, 80));
    }
}
