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

    /** Creates (or truncates) {@code path} and writes the header for {@code entries}, in that order. */
    public SafetensorsWriter(Path path, List<Entry> entries, Map<String, String> metadata) throws IOException {
        this.path = path;
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode m = header.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        long offset = 0;
        for (Entry e : entries) {
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
        int padded = (json.length + 7) / 8 * 8; // align the data buffer to 8 bytes
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
