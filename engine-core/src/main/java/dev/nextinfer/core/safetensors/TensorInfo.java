package dev.nextinfer.core.safetensors;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * One tensor entry of a safetensors header.
 *
 * @param name   tensor name
 * @param dtype  element type
 * @param shape  dimensions, outermost first
 * @param begin  first byte, relative to the data buffer
 * @param end    one past the last byte, relative to the data buffer
 * @param file   the file that holds it
 */
public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end, Path file) {

    /** Keeps the shape private to the record. */
    public TensorInfo {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Size of dimension {@code i}. */
    public long dim(int i) {
        return shape[i];
    }

    /** Number of dimensions. */
    public int rank() {
        return shape.length;
    }

    /** Number of elements (product of the shape; 1 for a scalar). */
    public long numel() {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Bytes of data. */
    public long byteSize() {
        return end - begin;
    }

    /** The shape as {@code [a, b]}. */
    public String shapeString() {
        return Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && t.name.equals(name) && t.dtype == dtype && Arrays.equals(t.shape, shape)
                && t.begin == begin && t.end == end && t.file.equals(file);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + " " + dtype + shapeString() + " in " + file.getFileName();
    }
}
