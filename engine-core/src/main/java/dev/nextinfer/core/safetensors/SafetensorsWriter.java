package dev.nextinfer.core.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes one {@code .safetensors} file whose tensor list is known up front: the header is written first, then
 * each tensor's bytes at its own offset, so tensors can be produced in any order and from several threads.
 */
public final class SafetensorsWriter implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * A tensor to write.
     *
     * @param name  tensor name
     * @param dtype element type
     * @param shape dimensions
     */
    public record Entry(String name, DType dtype, long[] shape) {
        /** Bytes of data. */
        public long byteSize() {
            long n = dtype.size();
            for (long d : shape) {
                n = Math.multiplyExact(n, d);
            }
            return n;
        }
    }

    private final Path path;
    private final FileChannel channel;
    private final Map<String, Long> offsets = new java.util.HashMap<>();
    private final long dataStart;
    private final long totalBytes;

    /** Creates (or truncates) {@code path} and writes the header for {@code entries}, in that order, packed. */
    public SafetensorsWriter(Path path, List<Entry> entries, Map<String, String> metadata) throws IOException {
        this(path, entries, metadata, 1);
    }

    /**
     * As {@link #SafetensorsWriter(Path, List, Map)}, with every tensor's data starting at a file offset that is a
     * multiple of {@code alignment} (a power of two ≤ 4096): SIMD kernels read mapped weights fastest from aligned
     * addresses. The gaps between tensors are zeros.
     */
    public SafetensorsWriter(Path path, List<Entry> entries, Map<String, String> metadata, int alignment) throws IOException {
        if (alignment < 1 || alignment > 4096 || Integer.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("alignment must be a power of two ≤ 4096, got " + alignment);
        }
        this.path = path;
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode m = header.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        long offset = 0;
        for (Entry e : entries) {
            offset = (offset + alignment - 1) / alignment * alignment;
            ObjectNode t = header.putObject(e.name());
            t.put("dtype", e.dtype().name());
            ArrayNode shape = t.putArray("shape");
            for (long d : e.shape()) {
                shape.add(d);
            }
            long size = e.byteSize();
            ArrayNode off = t.putArray("data_offsets");
            off.add(offset);
            off.add(offset + size);
            offsets.put(e.name(), offset);
            offset += size;
        }
        this.totalBytes = offset;
        byte[] json = JSON.writeValueAsBytes(header);
        int align = Math.max(8, alignment); // the data buffer starts aligned too: 8 + padded ≡ 0 (mod align)
        int padded = (json.length + 8 + align - 1) / align * align - 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded);
        head.put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        this.channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.READ);
        writeFully(head, 0);
        this.dataStart = 8 + padded;
        if (totalBytes > 0) { // the full size up front, so the file can be mapped and filled in any order
            writeFully(ByteBuffer.allocate(1), dataStart + totalBytes - 1);
        }
    }

    /** The file offset where tensor {@code name}'s data starts. */
    public long fileOffset(String name) {
        Long base = offsets.get(name);
        if (base == null) {
            throw new IllegalArgumentException("no tensor '" + name + "' in " + path);
        }
        return dataStart + base;
    }

    /** The file's channel (read-write), e.g. to map it and fill tensors in place. */
    public FileChannel channel() {
        return channel;
    }

    /** Bytes of tensor data in the file. */
    public long totalBytes() {
        return totalBytes;
    }

    /** The file. */
    public Path path() {
        return path;
    }

    /**
     * Writes {@code bytes} at {@code offsetInTensor} of tensor {@code name}. Thread-safe for disjoint ranges.
     */
    public void write(String name, long offsetInTensor, ByteBuffer bytes) throws IOException {
        Long base = offsets.get(name);
        if (base == null) {
            throw new IllegalArgumentException("no tensor '" + name + "' in " + path);
        }
        writeFully(bytes, dataStart + base + offsetInTensor);
    }

    private void writeFully(ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            pos += channel.write(buf, pos);
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }


    /** Splits {@code entries} (in order) into shards of at most {@code maxBytes} of data each. */
    public static List<List<Entry>> shard(List<Entry> entries, long maxBytes) {
        List<List<Entry>> shards = new ArrayList<>();
        List<Entry> cur = new ArrayList<>();
        long size = 0;
        for (Entry e : entries) {
            if (!cur.isEmpty() && size + e.byteSize() > maxBytes) {
                shards.add(cur);
                cur = new ArrayList<>();
                size = 0;
            }
            cur.add(e);
            size += e.byteSize();
        }
        if (!cur.isEmpty()) {
            shards.add(cur);
        }
        return shards;
    }
}
