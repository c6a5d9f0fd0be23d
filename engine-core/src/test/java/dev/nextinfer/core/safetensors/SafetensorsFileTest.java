package dev.nextinfer.core.safetensors;

import dev.nextinfer.core.checkpoint.CheckpointException;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The safetensors reader on small hand-made files: good ones read back, bad ones give one-line errors. */
class SafetensorsFileTest {
    @TempDir
    Path dir;

    /** Writes {@code len(header) | header | data}. */
    static Path raw(Path file, String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        Files.write(file, b.array());
        return file;
    }

    private String open(Path file) {
        try (Arena arena = Arena.ofShared()) {
            SafetensorsFile.open(file, arena);
            return null;
        } catch (CheckpointException e) {
            assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
            assertTrue(e.getMessage().startsWith(file.toString()), "names the file: " + e.getMessage());
            return e.getMessage();
        }
    }

    @Test
    void roundTripWithWriter() throws IOException {
        Path f = dir.resolve("a.safetensors");
        List<SafetensorsWriter.Entry> entries = List.of(
                new SafetensorsWriter.Entry("w", DType.F32, new long[] {2, 3}),
                new SafetensorsWriter.Entry("b", DType.BF16, new long[] {3}));
        try (SafetensorsWriter w = new SafetensorsWriter(f, entries, Map.of("format", "pt"))) {
            ByteBuffer fw = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < 6; i++) {
                fw.putFloat(i + 0.5f);
            }
            w.write("w", 0, fw.flip());
            ByteBuffer bw = ByteBuffer.allocate(6).order(ByteOrder.LITTLE_ENDIAN);
            bw.putShort((short) 0x3F80).putShort((short) 0xC000).putShort((short) 0x4040); // 1, -2, 3
            w.write("b", 0, bw.flip());
        }
        assertEquals(0, (Files.size(f) - 30) % 8, "data buffer 8-byte aligned");
        try (Arena arena = Arena.ofShared(); Checkpoint ckpt = Checkpoint.open(dir)) {
            SafetensorsFile sf = SafetensorsFile.open(f, arena);
            assertEquals("pt", sf.metadata().get("format"));
            TensorInfo w = sf.tensors().get("w");
            assertArrayEquals(new long[] {2, 3}, w.shape());
            float[] row = new float[3];
            StoredTensor.of(ckpt, ckpt.info("w")).readRow(1, row, 0);
            assertArrayEquals(new float[] {3.5f, 4.5f, 5.5f}, row);
            assertArrayEquals(new float[] {1f, -2f, 3f}, StoredTensor.of(ckpt, ckpt.info("b")).readAll());
        }
    }

    @Test
    void tooShortFile() throws IOException {
        Path f = Files.write(dir.resolve("short.safetensors"), new byte[] {1, 2, 3});
        assertTrue(open(f).contains("too short"));
    }

    @Test
    void headerLengthPastEndOfFile() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).put(new byte[12]);
        Path f = Files.write(dir.resolve("trunc.safetensors"), b.array());
        assertTrue(open(f).contains("header length 1000 runs past the end of the file (20 bytes)"));
        ByteBuffer huge = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-5).put(new byte[8]);
        Path g = Files.write(dir.resolve("neg.safetensors"), huge.array());
        assertTrue(open(g).contains("runs past the end"), open(g));
    }

    @Test
    void invalidUtf8Header() throws IOException {
        Path f = dir.resolve("utf.safetensors");
        ByteBuffer b = ByteBuffer.allocate(8 + 4).order(ByteOrder.LITTLE_ENDIAN).putLong(4).put(new byte[] {'{', (byte) 0xC3, (byte) 0x28, '}'});
        Files.write(f, b.array());
        assertTrue(open(f).contains("not valid UTF-8"));
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', value = {
            "{\"a\": {\"dtype\": \"F32\", \"shape\": [1]            | header is not valid JSON",
            "[1, 2, 3]                                               | header is not a JSON object",
            "{\"a\": {\"dtype\": \"F7\", \"shape\": [1], \"data_offsets\": [0, 4]}} | tensor 'a': unknown dtype 'F7'",
            "{\"a\": {\"shape\": [1], \"data_offsets\": [0, 4]}}   | tensor 'a': missing or non-string 'dtype'",
            "{\"a\": {\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, 4]}} | shape entry 0 is not a non-negative integer",
            "{\"a\": {\"dtype\": \"F32\", \"shape\": \"1\", \"data_offsets\": [0, 4]}} | missing or non-list 'shape'",
            "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0]}} | 'data_offsets' must be [begin, end]",
            "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [8, 4]}} | are not 0 ≤ begin ≤ end",
            "{\"a\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}} | lie outside the data (8 bytes after the header)",
            "{\"a\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 8]}} | 8 bytes of data, but shape [3] × F32 needs 12",
            "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}, \"b\": {\"dtype\": \"BF16\", \"shape\": [2], \"data_offsets\": [2, 6]}} | overlap",
            "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}, \"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}} | Duplicate field 'a'",
            "{\"a\": {\"dtype\": \"F32\", \"shape\": [4611686018427387904, 4], \"data_offsets\": [0, 8]}} | too"})
    void badHeaders(String header, String expected) throws IOException {
        Path f = raw(dir.resolve("bad.safetensors"), header.trim(), new byte[8]);
        String msg = open(f);
        assertTrue(msg != null && msg.contains(expected.trim()), msg);
    }
}
