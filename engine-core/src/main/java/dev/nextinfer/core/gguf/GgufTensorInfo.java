package dev.nextinfer.core.gguf;

import java.util.Arrays;

/**
 * One tensor of a GGUF file.
 *
 * @param name   tensor name, e.g. {@code blk.0.attn_qkv.weight}
 * @param ne     ggml dimensions, innermost first ({@code ne[0]} is the row length)
 * @param type   element type
 * @param offset first byte, relative to the file's data section
 * @param bytes  size in bytes
 */
public record GgufTensorInfo(String name, long[] ne, GgmlType type, long offset, long bytes) {

    /** Keeps the dimensions private to the record. */
    public GgufTensorInfo {
        ne = ne.clone();
    }

    @Override
    public long[] ne() {
        return ne.clone();
    }

    /** Number of dimensions. */
    public int rank() {
        return ne.length;
    }

    /** Dimension {@code i} (innermost first). */
    public long ne(int i) {
        return ne[i];
    }

    /** Row length: {@code ne[0]}. */
    public long rowLength() {
        return ne[0];
    }

    /** Number of rows: the product of {@code ne[1..]}. */
    public long rowCount() {
        long n = 1;
        for (int i = 1; i < ne.length; i++) {
            n *= ne[i];
        }
        return n;
    }

    /** The dimensions as ggml prints them, e.g. {@code [2048, 512, 32]}. */
    public String neString() {
        return Arrays.toString(ne);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensorInfo t && t.name.equals(name) && Arrays.equals(t.ne, ne) && t.type == type
                && t.offset == offset && t.bytes == bytes;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(ne);
    }

    @Override
    public String toString() {
        return name + " " + type + neString();
    }
}
