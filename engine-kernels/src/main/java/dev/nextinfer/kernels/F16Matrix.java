package dev.nextinfer.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * IEEE binary16 matrix over a little-endian segment (ggml's F16 tensors, used in place from a mapped GGUF at any
 * alignment); element {@code (r, c)} at byte {@code 2·(r·cols + c)}. Conversion to f32 is exact
 * ({@link Float#float16ToFloat}), subnormals and infinities included.
 *
 * <p>The Vector API (JDK 25) has no f16 lanes. A plain loop of {@link Float#float16ToFloat} over a row, which C2
 * compiles to the hardware conversion ({@code vcvtph2ps}) and vectorises, converted 3–4× faster than emulating it
 * with integer lanes (shift, rebias, blend for infinities). So every product converts the weight row into f32
 * scratch first (one row: it stays in L1), then multiplies with {@link VectorOps#dot}; the scratch is allocated
 * once per call, not per row. Measured mat-vec, 512×2048, one thread: ~5 G weights/s (10 GB/s of f16), 1.3× the
 * fused integer-lane kernel, but a third of bf16, which widens with one shift.
 */
public final class F16Matrix implements Matrix {
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final MemorySegment data;
    private final int rows;
    private final int cols;

    /** Wraps {@code rows × cols} little-endian halves starting at the segment's first byte. */
    public F16Matrix(MemorySegment data, int rows, int cols) {
        if (rows < 1 || cols < 1) {
            throw new IllegalArgumentException("f16 matrix needs rows, cols ≥ 1, got [" + rows + ", " + cols + "]");
        }
        if (data.byteSize() < (long) rows * cols * 2) {
            throw new IllegalArgumentException("segment of " + data.byteSize() + " bytes is too small for f16 [" + rows + ", " + cols + "]");
        }
        this.data = data;
        this.rows = rows;
        this.cols = cols;
    }

    /** The underlying segment, e.g. to write it to disk. */
    public MemorySegment segment() {
        return data;
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    @Override
    public MatrixFormat format() {
        return MatrixFormat.F16;
    }

    @Override
    public long byteSize() {
        return (long) rows * cols * 2;
    }

    @Override
    public float dot(int row, float[] x, int xOff) {
        float[] w = new float[cols];
        row(row, w, 0);
        return VectorOps.dot(w, 0, x, xOff, cols);
    }

    @Override
    public void matVec(float[] x, int xOff, float[] y, int yOff, int r0, int r1) {
        float[] w = new float[cols];
        for (int r = r0; r < r1; r++) {
            row(r, w, 0);
            y[yOff + r] = VectorOps.dot(w, 0, x, xOff, cols);
        }
    }

    @Override
    public void matMul(float[] x, int xOff, int xStride, int n, float[] y, int yOff, int yStride, int r0, int r1) {
        if (n > PanelMatMul.SMALL_N) {
            PanelMatMul.matMul(this, x, xOff, xStride, n, y, yOff, yStride, r0, r1);
            return;
        }
        // a few rows (speculative verification): each weight row converted once, reused from L1 for every x row
        float[] w = new float[cols];
        for (int r = r0; r < r1; r++) {
            row(r, w, 0);
            for (int t = 0; t < n; t++) {
                y[yOff + t * yStride + r] = VectorOps.dot(w, 0, x, xOff + t * xStride, cols);
            }
        }
    }

    @Override
    public void row(int row, float[] dst, int off) {
        toFloat(data, (long) row * cols * 2, cols, dst, off);
    }

    /** {@code dst[dstOff + i] =} the half at byte {@code off + 2i} as f32, for {@code i < n} (a loop C2 vectorises). */
    static void toFloat(MemorySegment seg, long off, int n, float[] dst, int dstOff) {
        for (int i = 0; i < n; i++) {
            dst[dstOff + i] = Float.float16ToFloat(seg.get(LE_SHORT, off + 2L * i));
        }
    }
}
