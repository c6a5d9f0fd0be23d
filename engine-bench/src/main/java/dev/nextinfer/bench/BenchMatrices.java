package dev.nextinfer.bench;

import dev.nextinfer.kernels.BF16Matrix;
import dev.nextinfer.kernels.F32Matrix;
import dev.nextinfer.kernels.Matrix;
import dev.nextinfer.kernels.MatrixFormat;
import dev.nextinfer.kernels.Q4_0Matrix;
import dev.nextinfer.kernels.Q8_0Matrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Locale;
import java.util.Random;

/** Weight matrices for the kernel benchmarks: the decode shapes of Qwen3-Next-80B-A3B, filled with random values. */
public final class BenchMatrices {
    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Weights streamed per benchmark invocation are rotated over copies totalling at least this (8× the L3). */
    public static final long COLD_BYTES = 256L << 20;

    /** Named shapes {@code [rows, cols]}. */
    public enum Shape {
        /** A DeltaNet layer's {@code in_proj_qkvz}. */
        IN_PROJ_QKVZ(12288, 2048),
        /** A DeltaNet layer's {@code out_proj}. */
        OUT_PROJ(2048, 4096),
        /** One expert's {@code gate_proj} or {@code up_proj}. */
        EXPERT_GATE_UP(512, 2048),
        /** One expert's {@code down_proj}. */
        EXPERT_DOWN(2048, 512),
        /** The output head. */
        LM_HEAD(151936, 2048),
        /** A square matrix of the hidden size (prefill mat-mat). */
        SQUARE_2048(2048, 2048);

        final int rows;
        final int cols;

        Shape(int rows, int cols) {
            this.rows = rows;
            this.cols = cols;
        }

        /** The shape named in lower case, e.g. {@code in_proj_qkvz}. */
        public static Shape parse(String s) {
            return valueOf(s.toUpperCase(Locale.ROOT));
        }
    }

    private BenchMatrices() {
    }

    /** Bytes of weights one pass over a {@code rows × cols} matrix in {@code f} streams. */
    public static long weightBytes(MatrixFormat f, int rows, int cols) {
        return Math.round(f.bytesPerElement() * rows * cols);
    }

    /**
     * Enough copies of one random {@code rows × cols} matrix in {@code f} that cycling through them streams at least
     * {@link #COLD_BYTES} (so the weights come from DRAM, as in a real decode step) — at least {@code minCopies}.
     */
    public static Matrix[] coldCopies(Arena arena, MatrixFormat f, int rows, int cols, int minCopies) {
        long bytes = weightBytes(f, rows, cols);
        int copies = (int) Math.max(minCopies, (COLD_BYTES + bytes - 1) / bytes);
        MemorySegment first = build(arena, f, rows, cols);
        Matrix[] out = new Matrix[copies];
        for (int i = 0; i < copies; i++) {
            MemorySegment seg = first;
            if (i > 0) {
                seg = arena.allocate(first.byteSize(), 64);
                MemorySegment.copy(first, 0, seg, 0, first.byteSize());
            }
            out[i] = wrap(f, seg, rows, cols);
        }
        return out;
    }

    /** The segment holding a matrix built here (the bytes a kernel streams, plus alignment padding). */
    public static MemorySegment segment(Matrix m) {
        return switch (m) {
            case F32Matrix f -> f.segment();
            case BF16Matrix b -> b.segment();
            case Q8_0Matrix q -> q.segment();
            case Q4_0Matrix q -> q.segment();
            case dev.nextinfer.kernels.Q2_KMatrix q -> q.segment();
            case dev.nextinfer.kernels.Q3_KMatrix q -> q.segment();
            case dev.nextinfer.kernels.Q4_KMatrix q -> q.segment();
            case dev.nextinfer.kernels.Q5_KMatrix q -> q.segment();
            case dev.nextinfer.kernels.Q6_KMatrix q -> q.segment();
            case dev.nextinfer.kernels.IQ4_XSMatrix q -> q.segment();
            default -> throw new IllegalArgumentException(m.getClass().getName());
        };
    }

    /** One random matrix. */
    public static Matrix single(Arena arena, MatrixFormat f, int rows, int cols) {
        return wrap(f, build(arena, f, rows, cols), rows, cols);
    }

    private static Matrix wrap(MatrixFormat f, MemorySegment seg, int rows, int cols) {
        return switch (f) {
            case F32 -> new F32Matrix(seg, rows, cols);
            case BF16 -> new BF16Matrix(seg, rows, cols);
            case Q8_0 -> new Q8_0Matrix(seg, rows, cols);
            case Q4_0 -> new Q4_0Matrix(seg, rows, cols);
            default -> f.wrap(seg, rows, cols);
        };
    }

    /** Rows are drawn from a pool of 64 random rows (N(0, 0.02²), like initialised weights). */
    private static MemorySegment build(Arena arena, MatrixFormat f, int rows, int cols) {
        Random rnd = new Random(42);
        float[][] pool = new float[64][cols];
        for (float[] row : pool) {
            for (int c = 0; c < cols; c++) {
                row[c] = (float) (rnd.nextGaussian() * 0.02);
            }
        }
        boolean special = f == MatrixFormat.F32 || f == MatrixFormat.BF16 || f == MatrixFormat.Q8_0 || f == MatrixFormat.Q4_0;
        if (!special && f.canEncode()) {
            // ggml's layout: rows are independent, so each pool row is encoded once and copied
            long rowBytes = f.rowBytes(cols);
            MemorySegment encoded = arena.allocate(rowBytes * pool.length, 64);
            for (int i = 0; i < pool.length; i++) {
                f.encodeRow(pool[i], 0, encoded, i * rowBytes, cols);
            }
            MemorySegment seg = arena.allocate(f.byteSize(rows, cols), 64);
            for (int r = 0; r < rows; r++) {
                MemorySegment.copy(encoded, rnd.nextInt(pool.length) * rowBytes, seg, r * rowBytes, rowBytes);
            }
            return seg;
        }
        if (f == MatrixFormat.IQ4_XS || f == MatrixFormat.IQ4_NL) {
            // no encoder: random indices and scales, each (super-)block's d (its first two bytes) a finite f16
            MemorySegment seg = arena.allocate(f.byteSize(rows, cols), 64);
            byte[] bytes = new byte[Math.toIntExact(seg.byteSize())];
            rnd.nextBytes(bytes);
            MemorySegment.copy(bytes, 0, seg, ValueLayout.JAVA_BYTE, 0, bytes.length);
            for (long o = 0; o < seg.byteSize(); o += f.blockBytes()) {
                seg.set(LE_SHORT, o, Float.floatToFloat16((float) (rnd.nextGaussian() * 1e-3)));
            }
            return seg;
        }
        MemorySegment seg = switch (f) {
            case F32 -> arena.allocate(4L * rows * cols, 64);
            case BF16 -> arena.allocate(2L * rows * cols, 64);
            case Q8_0 -> Q8_0Matrix.allocate(arena, rows, cols);
            case Q4_0 -> Q4_0Matrix.allocate(arena, rows, cols);
            default -> throw new IllegalArgumentException("no benchmark matrices for " + f);
        };
        for (int r = 0; r < rows; r++) {
            float[] src = pool[rnd.nextInt(pool.length)];
            switch (f) {
                case F32 -> MemorySegment.copy(src, 0, seg, LE_FLOAT, 4L * r * cols, cols);
                case BF16 -> {
                    for (int c = 0; c < cols; c++) {
                        seg.set(LE_SHORT, 2L * ((long) r * cols + c), BF16Matrix.fromFloat(src[c]));
                    }
                }
                case Q8_0 -> Q8_0Matrix.quantizeRow(src, 0, seg, rows, cols, r);
                case Q4_0 -> Q4_0Matrix.quantizeRow(src, 0, seg, rows, cols, r);
                default -> throw new IllegalArgumentException("no benchmark matrices for " + f);
            }
        }
        return seg;
    }
}
