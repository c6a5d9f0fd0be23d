package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.Blocks.QK;
import static dev.nextinfer.kernels.Simd.FB;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;

/**
 * ggml's IQ4_NL, byte for byte: each row is {@code cols / 32} blocks {@code block_iq4_nl {f16 d; uint8 qs[16]}} of 18
 * bytes; byte {@code j} of {@code qs} holds index {@code j} in its low nibble and index {@code j + 16} in its high
 * nibble, and value {@code j} is {@code d · K[index j]} with ggml's non-linear table {@code kvalues_iq4nl}
 * ({@link #VALUES}). No encoder: llama.cpp's quantiser searches scales per block and is not reproduced here.
 *
 * <p>Kernels as in {@link Q4_0Matrix}, with the nibbles mapped through the table by one byte shuffle
 * ({@code selectFrom}, a {@code pshufb}) instead of a subtraction.
 */
public final class IQ4_NLMatrix extends BlockMatrix {
    /** Bytes per block. */
    static final int BLOCK = 18;
    /** ggml's {@code kvalues_iq4nl}: the 16 int8 levels an index selects. */
    static final byte[] VALUES = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};
    private static final ByteVector TABLE = ByteVector.fromArray(Blocks.B16, VALUES, 0);

    /** Wraps {@code rows × cols} values stored as ggml IQ4_NL blocks at the start of {@code data}; no copy. */
    public IQ4_NLMatrix(MemorySegment data, int rows, int cols) {
        super(MatrixFormat.IQ4_NL, data, rows, cols);
    }

    /** One loop per format: see {@link BlockMatrix#matVec}. */
    @Override
    public void matVec(float[] x, int xOff, float[] y, int yOff, int r0, int r1) {
        for (int r = r0; r < r1; r++) {
            y[yOff + r] = dot(r, x, xOff);
        }
    }

    @Override
    public float dot(int row, float[] x, int xOff) {
        long base = row * rowBytes;
        // one block per iteration through one call site of block(): see Blocks (the shape of the fused loops)
        FloatVector acc = FloatVector.zero(FB);
        for (int b = 0; b < nb; b++) {
            acc = block(base + (long) BLOCK * b, x, xOff + b * QK, acc);
        }
        return Simd.sum(acc);
    }

    /** {@code acc + d·(K[q] ⊙ x)} for the block at byte {@code bo}. */
    private FloatVector block(long bo, float[] x, int xo, FloatVector acc) {
        ByteVector v = Blocks.load16(data, bo + 2);
        FloatVector p = Blocks.fma(v.and((byte) 0x0F).selectFrom(TABLE), x, xo, FloatVector.zero(FB));
        p = Blocks.fma(Blocks.highNibbles(v).selectFrom(TABLE), x, xo + 16, p);
        return p.fma(FloatVector.broadcast(FB, Blocks.scale(data, bo)), acc);
    }

    @Override
    void widen(int row, int b0, int b1, float[] q, float[] d, float[] m) {
        long base = row * rowBytes;
        for (int b = b0; b < b1; b++) {
            long bo = base + (long) BLOCK * b;
            d[b - b0] = Blocks.scale(data, bo);
            ByteVector v = Blocks.load16(data, bo + 2);
            Blocks.widen(v.and((byte) 0x0F).selectFrom(TABLE), q, (b - b0) * QK);
            Blocks.widen(Blocks.highNibbles(v).selectFrom(TABLE), q, (b - b0) * QK + 16);
        }
    }

    @Override
    public void row(int row, float[] dst, int off) {
        long base = row * rowBytes;
        for (int b = 0; b < nb; b++) {
            long bo = base + (long) BLOCK * b;
            FloatVector d = FloatVector.broadcast(FB, Blocks.scale(data, bo));
            ByteVector v = Blocks.load16(data, bo + 2);
            Blocks.store(v.and((byte) 0x0F).selectFrom(TABLE), d, null, dst, off + b * QK);
            Blocks.store(Blocks.highNibbles(v).selectFrom(TABLE), d, null, dst, off + b * QK + 16);
        }
    }
}
