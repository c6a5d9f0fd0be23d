package dev.nextinfer.core.gguf;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a GGUF v3 file (little-endian, data aligned to {@code general.alignment}, 32 by default) the way
 * llama.cpp's {@code gguf} writer lays it out: header, metadata, tensor infos, padding, then each tensor's data
 * at an aligned offset. Metadata and tensor infos are collected first; {@link #write} lays out the file and hands
 * each tensor's slice of the memory-mapped output to a filler, so tensors are written one at a time with bounded
 * memory whatever their size.
 */
public final class GgufWriter {
    /** Fills the bytes of one tensor. */
    @FunctionalInterface
    public interface Filler {
        /** Writes tensor {@code name}'s data into {@code dst} (exactly its byte size). */
        void fill(String name, MemorySegment dst) throws IOException;
    }

    private record Tensor(String name, long[] ne, GgmlType type, long bytes) {
    }

    private final Map<String, GgufValue> metadata = new LinkedHashMap<>();
    private final List<Tensor> tensors = new ArrayList<>();
    private int alignment = GgufParser.DEFAULT_ALIGNMENT;

    /** Sets a metadata value (replacing any earlier one of that key). */
    public GgufWriter put(String key, GgufValue value) {
        if (key.equals("general.alignment")) {
            alignment = ((Long) value.value()).intValue();
        }
        metadata.put(key, value);
        return this;
    }

    /** A string value. */
    public GgufWriter putString(String key, String v) {
        return put(key, new GgufValue(GgufValueType.STRING, v));
    }

    /** A UINT32 value. */
    public GgufWriter putUint32(String key, long v) {
        return put(key, new GgufValue(GgufValueType.UINT32, v));
    }

    /** A FLOAT32 value. */
    public GgufWriter putFloat32(String key, double v) {
        return put(key, new GgufValue(GgufValueType.FLOAT32, v));
    }

    /** A BOOL value. */
    public GgufWriter putBool(String key, boolean v) {
        return put(key, new GgufValue(GgufValueType.BOOL, v));
    }

    /** Copies every metadata value of {@code from} whose key starts with {@code prefix}. */
    public GgufWriter copyMetadata(Map<String, GgufValue> from, String prefix) {
        from.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                put(k, v);
            }
        });
        return this;
    }

    /** Adds a tensor of ggml dimensions {@code ne} (innermost first) and type {@code type}. */
    public GgufWriter addTensor(String name, long[] ne, GgmlType type) {
        long elements = 1;
        for (long d : ne) {
            elements = Math.multiplyExact(elements, d);
        }
        if (ne[0] % type.blockValues() != 0) {
            throw new IllegalArgumentException(name + ": rows of " + ne[0] + " values do not fit " + type + " blocks of " + type.blockValues());
        }
        tensors.add(new Tensor(name, ne.clone(), type, elements / type.blockValues() * type.blockBytes()));
        return this;
    }

    /** Writes the file: header and metadata, then every tensor's data through {@code filler}, in the order added. */
    public void write(Path file, Filler filler) throws IOException {
        ByteArrayWriter h = new ByteArrayWriter();
        h.i32(GgufParser.MAGIC).i32(3).i64(tensors.size()).i64(metadata.size());
        for (Map.Entry<String, GgufValue> e : metadata.entrySet()) {
            h.str(e.getKey()).i32(e.getValue().type().id());
            value(h, e.getValue().type(), e.getValue().value());
        }
        long offset = 0;
        long[] offsets = new long[tensors.size()];
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            h.str(t.name()).i32(t.ne().length);
            for (long d : t.ne()) {
                h.i64(d);
            }
            h.i32(t.type().id()).i64(offset);
            offsets[i] = offset;
            offset = GgufParser.align(offset + t.bytes(), alignment);
        }
        long dataStart = GgufParser.align(h.size(), alignment);
        long total = dataStart + (tensors.isEmpty() ? 0 : offsets[tensors.size() - 1] + tensors.getLast().bytes());
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.READ, StandardOpenOption.WRITE);
             Arena arena = Arena.ofShared()) {
            ch.write(ByteBuffer.wrap(h.bytes()));
            ch.truncate(total);
            if (total > dataStart) {
                ch.write(ByteBuffer.wrap(new byte[] {0}), total - 1); // sets the size; the gaps read as zeros
                MemorySegment map = ch.map(FileChannel.MapMode.READ_WRITE, 0, total, arena);
                for (int i = 0; i < tensors.size(); i++) {
                    Tensor t = tensors.get(i);
                    MemorySegment dst = map.asSlice(dataStart + offsets[i], t.bytes());
                    filler.fill(t.name(), dst);
                    dst.force();
                    dst.unload();
                }
            }
        }
    }

    private static void value(ByteArrayWriter h, GgufValueType type, Object v) {
        switch (type) {
            case UINT8, INT8 -> h.i8(((Long) v).intValue());
            case UINT16, INT16 -> h.i16(((Long) v).intValue());
            case UINT32, INT32 -> h.i32(((Long) v).intValue());
            case UINT64, INT64 -> h.i64((Long) v);
            case FLOAT32 -> h.i32(Float.floatToRawIntBits(((Double) v).floatValue()));
            case FLOAT64 -> h.i64(Double.doubleToRawLongBits((Double) v));
            case BOOL -> h.i8((Boolean) v ? 1 : 0);
            case STRING -> h.str((String) v);
            case ARRAY -> {
                GgufValue.Array a = (GgufValue.Array) v;
                h.i32(a.elementType().id()).i64(a.length());
                for (int i = 0; i < a.length(); i++) {
                    Object e = switch (a.values()) {
                        case long[] l -> l[i];
                        case double[] d -> d[i];
                        case boolean[] b -> b[i];
                        case Object[] o -> o[i];
                        default -> throw new IllegalArgumentException("array values " + a.values().getClass());
                    };
                    value(h, a.elementType(), e);
                }
            }
        }
    }

    /** A growable little-endian byte buffer for the header. */
    private static final class ByteArrayWriter {
        private ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);

        private ByteBuffer room(int n) {
            if (buf.remaining() < n) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + n)).order(ByteOrder.LITTLE_ENDIAN);
                buf.flip();
                bigger.put(buf);
                buf = bigger;
            }
            return buf;
        }

        ByteArrayWriter i8(int v) {
            room(1).put((byte) v);
            return this;
        }

        ByteArrayWriter i16(int v) {
            room(2).putShort((short) v);
            return this;
        }

        ByteArrayWriter i32(int v) {
            room(4).putInt(v);
            return this;
        }

        ByteArrayWriter i64(long v) {
            room(8).putLong(v);
            return this;
        }

        ByteArrayWriter str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            i64(b.length);
            room(b.length).put(b);
            return this;
        }

        int size() {
            return buf.position();
        }

        byte[] bytes() {
            byte[] out = new byte[buf.position()];
            buf.duplicate().flip().get(out);
            return out;
        }
    }
}
