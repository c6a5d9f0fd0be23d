package dev.nextinfer.core.gguf;

import dev.nextinfer.core.checkpoint.CheckpointException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a GGUF header (v2 or v3, little-endian) from a mapped file, trusting nothing: every count and length is
 * checked against the bytes left before anything is allocated for it, so a hostile header fails with a one-line
 * error naming the file, the byte offset and what was expected, never with a huge allocation or a read outside
 * the mapping. Tensor infos are checked too: known type, shape a whole number of blocks, data aligned, inside the
 * file and not overlapping another tensor.
 */
final class GgufParser {
    /** "GGUF" as a little-endian uint32. */
    static final int MAGIC = 0x46554747;
    /** Alignment of tensor data when {@code general.alignment} is absent. */
    static final int DEFAULT_ALIGNMENT = 32;
    /** Most elements one metadata array may hold (real vocabularies hold a few hundred thousand). */
    static final int MAX_ARRAY = 1 << 24;
    /** Deepest nesting of arrays accepted. */
    static final int MAX_DEPTH = 4;
    /** Most dimensions of a tensor (ggml's GGML_MAX_DIMS). */
    static final int MAX_DIMS = 4;

    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** What the header holds. */
    record Header(int version, int alignment, Map<String, GgufValue> metadata, Map<String, GgufTensorInfo> tensors,
                  long dataStart) {
    }

    private final String file;
    private final java.nio.charset.CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    private final MemorySegment seg;
    private final long size;
    private long pos;
    private String where = "the header";

    private GgufParser(String file, MemorySegment seg) {
        this.file = file;
        this.seg = seg;
        this.size = seg.byteSize();
    }

    /** Parses the header of {@code seg}, the whole file named {@code file}. */
    static Header parse(String file, MemorySegment seg) {
        return new GgufParser(file, seg).header();
    }

    private CheckpointException error(String message) {
        return new CheckpointException(file + ": " + message);
    }

    private Header header() {
        if (size < 4) {
            throw error("not a GGUF file (" + size + " bytes)");
        }
        int magic = seg.get(I32, 0);
        if (magic != MAGIC) {
            throw error("not a GGUF file (magic " + hex(magic) + ", expected \"GGUF\")");
        }
        if (size < 24) {
            throw error("truncated GGUF header (" + size + " bytes, expected at least 24)");
        }
        int version = seg.get(I32, 4);
        if (version != 2 && version != 3) {
            if (Integer.reverseBytes(version) == 2 || Integer.reverseBytes(version) == 3) {
                throw error("big-endian GGUF files are not supported (expected a little-endian file)");
            }
            throw error("GGUF version " + Integer.toUnsignedString(version) + " is not supported (expected 2 or 3)");
        }
        pos = 8;
        long tensorCount = u64("tensor count");
        long kvCount = u64("metadata count");
        // each key/value takes at least 13 bytes and each tensor info at least 24: counts past that cannot be real
        if (kvCount < 0 || kvCount > (size - pos) / 13) {
            throw error("header claims " + Long.toUnsignedString(kvCount) + " metadata entries but the file has only "
                    + (size - pos) + " bytes left");
        }
        Map<String, GgufValue> metadata = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            where = "metadata entry " + i;
            String key = string("key");
            where = "metadata key '" + key + "'";
            GgufValueType type = valueType("value type");
            GgufValue v = value(type, 0);
            if (metadata.put(key, v) != null) {
                throw error("metadata key '" + key + "' appears twice");
            }
        }
        int alignment = alignment(metadata.get("general.alignment"));
        if (tensorCount < 0 || tensorCount > (size - pos) / 24) {
            throw error("header claims " + Long.toUnsignedString(tensorCount) + " tensors but the file has only "
                    + (size - pos) + " bytes left");
        }
        List<GgufTensorInfo> infos = new ArrayList<>();
        for (long i = 0; i < tensorCount; i++) {
            where = "tensor info " + i;
            infos.add(tensorInfo());
        }
        long dataStart = align(pos, alignment);
        Map<String, GgufTensorInfo> tensors = new LinkedHashMap<>();
        for (GgufTensorInfo t : infos) {
            if (tensors.put(t.name(), t) != null) {
                throw error("tensor '" + t.name() + "' appears twice");
            }
            if (t.offset() % alignment != 0) {
                throw error("tensor '" + t.name() + "' data at offset " + t.offset() + " is not aligned to " + alignment + " bytes");
            }
            if (t.offset() > size - dataStart || t.bytes() > size - dataStart - t.offset()) {
                throw error("tensor '" + t.name() + "' (" + t.bytes() + " bytes at data offset " + t.offset()
                        + ") extends past the end of the file (" + (size - dataStart) + " data bytes); the file may be truncated");
            }
        }
        List<GgufTensorInfo> byOffset = new ArrayList<>(infos);
        byOffset.sort(Comparator.comparingLong(GgufTensorInfo::offset));
        for (int i = 1; i < byOffset.size(); i++) {
            GgufTensorInfo a = byOffset.get(i - 1);
            GgufTensorInfo b = byOffset.get(i);
            if (b.offset() < a.offset() + a.bytes()) {
                throw error("tensors '" + a.name() + "' and '" + b.name() + "' overlap (data offsets " + a.offset() + "+"
                        + a.bytes() + " and " + b.offset() + ")");
            }
        }
        return new Header(version, alignment, metadata, tensors, dataStart);
    }

    private int alignment(GgufValue v) {
        if (v == null) {
            return DEFAULT_ALIGNMENT;
        }
        if (v.type() != GgufValueType.UINT32) {
            throw error("metadata key 'general.alignment' is " + v.describe() + ", expected a UINT32");
        }
        long a = (Long) v.value();
        if (a <= 0 || Long.bitCount(a) != 1) {
            throw error("metadata key 'general.alignment' is " + a + ", expected a power of two");
        }
        return (int) a;
    }

    private GgufTensorInfo tensorInfo() {
        String name = string("tensor name");
        where = "tensor '" + name + "'";
        long dims = u32("dimension count");
        if (dims < 1 || dims > MAX_DIMS) {
            throw error("tensor '" + name + "' has " + dims + " dimensions, expected 1 to " + MAX_DIMS);
        }
        long[] ne = new long[(int) dims];
        long elements = 1;
        for (int i = 0; i < dims; i++) {
            ne[i] = u64("dimension " + i);
            if (ne[i] < 1) {
                throw error("tensor '" + name + "' has dimension " + i + " = " + Long.toUnsignedString(ne[i]) + ", expected ≥ 1");
            }
            if (elements > Long.MAX_VALUE / ne[i]) {
                throw error("tensor '" + name + "' has too many elements");
            }
            elements *= ne[i];
        }
        long typeId = u32("type");
        GgmlType type = GgmlType.ofId(typeId);
        if (type == null) {
            throw error("tensor '" + name + "' has unknown ggml type id " + typeId);
        }
        if (ne[0] % type.blockValues() != 0) {
            throw error("tensor '" + name + "' of type " + type + " has rows of " + ne[0] + " values, not a multiple of its block of "
                    + type.blockValues());
        }
        long offset = u64("data offset");
        if (offset < 0) { // past 2^63 as an unsigned number: no file is that long
            throw error("tensor '" + name + "' has data offset " + Long.toUnsignedString(offset) + ", past the end of any file");
        }
        long blocks = elements / type.blockValues();
        if (blocks > Long.MAX_VALUE / type.blockBytes()) {
            throw error("tensor '" + name + "' is too large");
        }
        return new GgufTensorInfo(name, ne, type, offset, blocks * type.blockBytes());
    }

    private GgufValue value(GgufValueType type, int depth) {
        return new GgufValue(type, switch (type) {
            case UINT8 -> (long) (bytes(1).get(ValueLayout.JAVA_BYTE, 0) & 0xFF);
            case INT8 -> (long) bytes(1).get(ValueLayout.JAVA_BYTE, 0);
            case UINT16 -> (long) (bytes(2).get(I16, 0) & 0xFFFF);
            case INT16 -> (long) bytes(2).get(I16, 0);
            case UINT32 -> bytes(4).get(I32, 0) & 0xFFFFFFFFL;
            case INT32 -> (long) bytes(4).get(I32, 0);
            case UINT64, INT64 -> bytes(8).get(I64, 0);
            case FLOAT32 -> (double) bytes(4).get(F32, 0);
            case FLOAT64 -> bytes(8).get(F64, 0);
            case BOOL -> bool();
            case STRING -> string("string");
            case ARRAY -> array(depth);
        });
    }

    private boolean bool() {
        byte b = bytes(1).get(ValueLayout.JAVA_BYTE, 0);
        if (b != 0 && b != 1) {
            throw error(where + ": boolean value " + b + " at byte " + (pos - 1) + ", expected 0 or 1");
        }
        return b == 1;
    }

    private GgufValue.Array array(int depth) {
        if (depth >= MAX_DEPTH) {
            throw error(where + ": arrays nested deeper than " + MAX_DEPTH + " levels");
        }
        GgufValueType type = valueType("array element type");
        long n = u64("array length");
        if (n < 0 || n > MAX_ARRAY || n > (size - pos) / type.minBytes()) {
            throw error(where + ": array of " + Long.toUnsignedString(n) + " " + type + " elements at byte " + (pos - 8)
                    + " does not fit in the " + (size - pos) + " bytes left" + (n > MAX_ARRAY ? " (at most " + MAX_ARRAY + " elements are accepted)" : ""));
        }
        int len = (int) n;
        Object values = switch (type) {
            case BOOL -> {
                boolean[] a = new boolean[len];
                for (int i = 0; i < len; i++) {
                    a[i] = bool();
                }
                yield a;
            }
            case STRING -> {
                String[] a = new String[len];
                for (int i = 0; i < len; i++) {
                    a[i] = string("string element " + i);
                }
                yield a;
            }
            case ARRAY -> {
                GgufValue.Array[] a = new GgufValue.Array[len];
                for (int i = 0; i < len; i++) {
                    a[i] = array(depth + 1);
                }
                yield a;
            }
            case FLOAT32, FLOAT64 -> {
                double[] a = new double[len];
                for (int i = 0; i < len; i++) {
                    a[i] = (Double) value(type, depth).value();
                }
                yield a;
            }
            default -> {
                long[] a = new long[len];
                for (int i = 0; i < len; i++) {
                    a[i] = (Long) value(type, depth).value();
                }
                yield a;
            }
        };
        return new GgufValue.Array(type, values);
    }

    private GgufValueType valueType(String what) {
        long id = u32(what);
        GgufValueType t = GgufValueType.ofId(id);
        if (t == null) {
            throw error(where + ": unknown " + what + " " + id + " at byte " + (pos - 4) + " (expected 0 to 12)");
        }
        return t;
    }

    private String string(String what) {
        long n = u64(what + " length");
        if (n < 0 || n > size - pos || n > Integer.MAX_VALUE - 8) {
            throw error(where + ": " + what + " length " + Long.toUnsignedString(n) + " at byte " + (pos - 8)
                    + " exceeds the " + (size - pos) + " bytes left in the file");
        }
        byte[] b = new byte[(int) n];
        MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, pos, b, 0, b.length);
        pos += n;
        boolean ascii = true;
        for (byte x : b) {
            ascii &= x >= 0;
        }
        if (ascii) { // most keys and tokens: no decoder needed
            return new String(b, StandardCharsets.ISO_8859_1);
        }
        try {
            return utf8.reset().decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw error(where + ": " + what + " at byte " + (pos - n) + " is not valid UTF-8");
        }
    }

    private long u64(String what) {
        return bytes(8, what).get(I64, 0);
    }

    private long u32(String what) {
        return bytes(4, what).get(I32, 0) & 0xFFFFFFFFL;
    }

    private MemorySegment bytes(int n) {
        return bytes(n, "value");
    }

    /** The next {@code n} bytes, or a "truncated" error. */
    private MemorySegment bytes(int n, String what) {
        if (n > size - pos) {
            throw error("truncated header: " + where + ": " + what + " needs " + n + " bytes at byte " + pos + " but the file ends at "
                    + size);
        }
        MemorySegment s = seg.asSlice(pos, n);
        pos += n;
        return s;
    }

    static long align(long n, int alignment) {
        return (n + alignment - 1) / alignment * alignment;
    }

    private static String hex(int v) {
        return String.format("0x%08X", v);
    }
}
