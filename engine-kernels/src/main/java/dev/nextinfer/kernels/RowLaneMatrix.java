package dev.nextinfer.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The driver shared by the integer kernels with rows in vector lanes ({@link Q4_0R32Matrix}, {@link Q4_KR32Matrix}):
 * rows in groups of {@link #R}, a subclass computes one group for one quantised activation row ({@link #group});
 * this class splits products into groups, handles groups cut by a chunk's row range, and routes prefill-sized
 * products to the f32 panel kernel. Every decode-sized form ({@link #matVec}, {@link #matVecRows}, {@link #dot},
 * {@link #matMul} up to {@link PanelMatMul#SMALL_N} rows) computes an output with the same operations.
 */
abstract sealed class RowLaneMatrix implements Matrix permits Q4_0R32Matrix, Q4_KR32Matrix {
    /** Rows per group (the int16 lanes of one 512-bit vector). */
    static final int R = 32;
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);
    static final VectorSpecies<Short> S = ShortVector.SPECIES_PREFERRED;
    /** int16 lanes per vector: 32, 16 or 8 (a group is {@link #PARTS} vectors). */
    static final int SL = S.length();
    static final int PARTS = R / SL;
    /** The bytes widened into one vector of {@link #S}, and the int and float vectors of its size. */
    static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(SL * 8));
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, S.vectorShape());
    static final VectorSpecies<Float> F = VectorSpecies.of(float.class, S.vectorShape());

    final MemorySegment data;
    final int rows;
    final int cols;

    RowLaneMatrix(MemorySegment data, int rows, int cols) {
        this.data = data;
        this.rows = rows;
        this.cols = cols;
    }

    /**
     * Copies row {@code r}'s stored bytes (ggml's layout, {@code dst.length} of them) from {@code source}, a block or
     * super-block matrix or rows stacked from such: the repacks' input.
     */
    static void storedRow(Matrix source, int r, byte[] dst) {
        Matrix m = source;
        while (m instanceof StackedRows s) {
            Matrix p = s.partOf(r);
            r = s.rowInPart(r);
            m = p;
        }
        switch (m) {
            case BlockMatrix b -> MemorySegment.copy(b.data, ValueLayout.JAVA_BYTE, r * b.rowBytes, dst, 0, dst.length);
            case SuperBlockMatrix b -> MemorySegment.copy(b.data, ValueLayout.JAVA_BYTE, r * b.rowBytes, dst, 0, dst.length);
            default -> throw new IllegalArgumentException("no stored block layout to repack: " + m.format());
        }
    }

    /** {@code out[off + k] = W[32g + k]·x_t} for group {@code g}'s 32 rows (padding rows give 0). */
    abstract void group(int g, Int8Activations a, int t, float[] out, int off);

    @Override
    public final int rows() {
        return rows;
    }

    @Override
    public final int cols() {
        return cols;
    }

    @Override
    public final int rowGroup() {
        return R;
    }

    @Override
    public final float dot(int row, float[] x, int xOff) {
        float[] out = new float[R];
        group(row / R, Int8Activations.of(x, xOff, cols, 1, cols), 0, out, 0);
        return out[row % R];
    }

    @Override
    public final void matVec(float[] x, int xOff, float[] y, int yOff, int r0, int r1) {
        multiply(x, xOff, cols, 1, y, yOff, rows, r0, r1);
    }

    @Override
    public final void matVecRows(float[] x, int xOff, int xStride, int n, float[] y, int yOff, int yStride, int r0, int r1) {
        multiply(x, xOff, xStride, n, y, yOff, yStride, r0, r1);
    }

    /**
     * Above a few activation rows (prefill) the f32 panel kernel on the dequantised rows, as for every format
     * (exact arithmetic: a mat-mat is compute-bound, and the f32 register tile does as many multiply-adds per
     * operation as int16 lanes without a pair multiply-add; measured, 256-token prefill on a3b-e32 Q4_0: 14.9 t/s
     * this way, 12.1 with the integer kernel for every row, 16.3 with the f32 kernels throughout, the difference
     * being this layout's slower {@link #row}); up to {@link PanelMatMul#SMALL_N} the integer kernel.
     */
    @Override
    public final void matMul(float[] x, int xOff, int xStride, int n, float[] y, int yOff, int yStride, int r0, int r1) {
        if (n > PanelMatMul.SMALL_N) {
            PanelMatMul.matMul(this, x, xOff, xStride, n, y, yOff, yStride, r0, r1);
        } else {
            multiply(x, xOff, xStride, n, y, yOff, yStride, r0, r1);
        }
    }

    /** Group by group, each group for all {@code n} activation rows while its weights are in cache. */
    private void multiply(float[] x, int xOff, int xStride, int n, float[] y, int yOff, int yStride, int r0, int r1) {
        if (r0 >= r1 || n <= 0) {
            return;
        }
        Int8Activations a = Int8Activations.of(x, xOff, xStride, n, cols);
        float[] part = null;
        for (int g = r0 / R; g * R < r1; g++) {
            int g0 = g * R;
            boolean whole = g0 >= r0 && g0 + R <= r1;
            for (int t = 0; t < n; t++) {
                int yo = yOff + t * yStride;
                if (whole) {
                    group(g, a, t, y, yo + g0);
                } else { // a group cut by the chunk's bounds (or the padding): its rows in [r0, r1) only
                    part = part == null ? new float[R] : part;
                    group(g, a, t, part, 0);
                    int from = Math.max(r0, g0);
                    System.arraycopy(part, from - g0, y, yo + from, Math.min(r1, g0 + R) - from);
                }
            }
        }
    }
}
