package dev.nextinfer.core.safetensors;

import dev.nextinfer.core.checkpoint.CheckpointException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One {@code .safetensors} file, validated and memory-mapped read-only. Layout: an 8-byte little-endian header
 * length {@code N}, {@code N} bytes of UTF-8 JSON ({@code {"name": {"dtype", "shape", "data_offsets"}, ...,
 * "__metadata__": {...}}}), then the data buffer that {@code data_offsets} index.
 *
 * <p>Everything in the header is checked before use: the length against the file size, JSON syntax, duplicate
 * keys, dtype names, shapes, offsets inside the data buffer, byte sizes equal to {@code numel × dtype size}, and
 * no two tensors overlapping. Errors are {@link CheckpointException}s naming the file and tensor.
 */
public final class SafetensorsFile {
    /** Largest header accepted (the reference implementation's limit). */
    public static final long MAX_HEADER_BYTES = 100L << 20;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private final Path path;
    private final MemorySegment data;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, MemorySegment data, Map<String, TensorInfo> tensors, Map<String, String> metadata) {
        this.path = path;
        this.data = data;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /** Validates and maps {@code path}; the mapping lives as long as {@code arena}. */
    public static SafetensorsFile open(Path path, Arena arena) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            Parsed parsed = readHeader(path, size, (buf, pos) -> readFully(ch, buf, pos));
            MemorySegment all = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            return new SafetensorsFile(path, all.asSlice(parsed.dataStart, size - parsed.dataStart), parsed.tensors, parsed.metadata);
        } catch (NoSuchFileException e) {
            throw new CheckpointException(path + ": file not found");
        } catch (IOException e) {
            throw new CheckpointException(path + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** What the header says: the tensors, the metadata, and where the data buffer starts in the file. */
    record Parsed(Map<String, TensorInfo> tensors, Map<String, String> metadata, long dataStart) {
    }

    /** Reads bytes of the file at a position into a buffer (fills it, or fails). */
    @FunctionalInterface
    interface Reader {
        void read(ByteBuffer buf, long pos) throws IOException;
    }

    /**
     * Reads and validates the header of a file of {@code size} bytes, allocating nothing before the length is
     * checked against the file size and {@link #MAX_HEADER_BYTES}. Separate from the mapping so that it can be
     * fuzzed on bytes in memory.
     */
    static Parsed readHeader(Path path, long size, Reader reader) throws IOException {
        if (size < 8) {
            throw new CheckpointException(path + ": file is " + size + " bytes, too short for a safetensors header (8-byte length + JSON)");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        reader.read(lenBuf, 0);
        long n = lenBuf.getLong(0);
        if (n < 2 || n > size - 8) {
            throw new CheckpointException(path + ": header length " + Long.toUnsignedString(n)
                    + " runs past the end of the file (" + size + " bytes); the file is truncated or not safetensors");
        }
        if (n > MAX_HEADER_BYTES) {
            throw new CheckpointException(path + ": header length " + n + " exceeds the " + MAX_HEADER_BYTES + "-byte limit");
        }
        ByteBuffer header = ByteBuffer.allocate((int) n);
        reader.read(header, 8);
        return parseHeader(path, header.array(), size - 8 - n, 8 + n);
    }

    private static Parsed parseHeader(Path path, byte[] bytes, long dataSize, long dataStart) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new CheckpointException(path + ": header is not valid UTF-8");
        }
        JsonNode root;
        try {
            root = JSON.readTree(text.stripTrailing()); // the format pads the header with spaces
        } catch (IOException e) {
            throw new CheckpointException(path + ": header is not valid JSON: " + firstLine(e.getMessage()));
        }
        if (root == null || !root.isObject()) {
            throw new CheckpointException(path + ": header is not a JSON object");
        }
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            JsonNode v = e.getValue();
            if (name.equals("__metadata__")) {
                if (!v.isObject()) {
                    throw new CheckpointException(path + ": __metadata__ must be an object of strings");
                }
                v.fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            tensors.put(name, parseEntry(path, name, v, dataSize));
        }
        checkOverlaps(path, tensors);
        return new Parsed(Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata), dataStart);
    }

    private static TensorInfo parseEntry(Path path, String name, JsonNode v, long dataSize) {
        String where = path + ": tensor '" + name + "'";
        if (!v.isObject()) {
            throw new CheckpointException(where + ": expected an object with dtype, shape, data_offsets");
        }
        JsonNode dt = v.get("dtype");
        if (dt == null || !dt.isTextual()) {
            throw new CheckpointException(where + ": missing or non-string 'dtype'");
        }
        DType dtype = DType.parse(dt.asText());
        if (dtype == null) {
            throw new CheckpointException(where + ": unknown dtype '" + dt.asText() + "' (expected one of F32, BF16, F16, F8_E4M3, …)");
        }
        JsonNode sh = v.get("shape");
        if (sh == null || !sh.isArray()) {
            throw new CheckpointException(where + ": missing or non-list 'shape'");
        }
        long[] shape = new long[sh.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = sh.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToLong() || d.asLong() < 0) {
                throw new CheckpointException(where + ": shape entry " + i + " is not a non-negative integer: " + d);
            }
            shape[i] = d.asLong();
            try {
                numel = Math.multiplyExact(numel, shape[i]);
            } catch (ArithmeticException ex) {
                throw new CheckpointException(where + ": shape " + sh + " has too many elements");
            }
        }
        JsonNode off = v.get("data_offsets");
        if (off == null || !off.isArray() || off.size() != 2 || !off.get(0).isIntegralNumber() || !off.get(1).isIntegralNumber()
                || !off.get(0).canConvertToLong() || !off.get(1).canConvertToLong()) {
            throw new CheckpointException(where + ": 'data_offsets' must be [begin, end] integers");
        }
        long begin = off.get(0).asLong();
        long end = off.get(1).asLong();
        if (begin < 0 || end < begin) {
            throw new CheckpointException(where + ": data_offsets [" + begin + ", " + end + "] are not 0 ≤ begin ≤ end");
        }
        if (end > dataSize) {
            throw new CheckpointException(where + ": data_offsets [" + begin + ", " + end + "] lie outside the data ("
                    + dataSize + " bytes after the header); the file may be truncated");
        }
        long expected;
        try {
            expected = Math.multiplyExact(numel, dtype.size());
        } catch (ArithmeticException ex) {
            throw new CheckpointException(where + ": shape " + sh + " is too large");
        }
        if (end - begin != expected) {
            throw new CheckpointException(where + ": " + (end - begin) + " bytes of data, but shape " + sh + " × " + dtype
                    + " needs " + expected);
        }
        return new TensorInfo(name, dtype, shape, begin, end, path);
    }

    private static void checkOverlaps(Path path, Map<String, TensorInfo> tensors) {
        List<TensorInfo> sorted = new ArrayList<>(tensors.values());
        sorted.removeIf(t -> t.begin() == t.end());
        sorted.sort(Comparator.comparingLong(TensorInfo::begin));
        for (int i = 1; i < sorted.size(); i++) {
            TensorInfo a = sorted.get(i - 1);
            TensorInfo b = sorted.get(i);
            if (b.begin() < a.end()) {
                throw new CheckpointException(path + ": tensors '" + a.name() + "' [" + a.begin() + ", " + a.end()
                        + ") and '" + b.name() + "' [" + b.begin() + ", " + b.end() + ") overlap");
            }
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos + buf.position());
            if (r < 0) {
                throw new IOException("unexpected end of file");
            }
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** The file. */
    public Path path() {
        return path;
    }

    /** Tensors by name, in header order. */
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /** The {@code __metadata__} entries. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** The bytes of {@code t} (zero-copy slice of the mapping). */
    public MemorySegment data(TensorInfo t) {
        return data.asSlice(t.begin(), t.byteSize());
    }
}
