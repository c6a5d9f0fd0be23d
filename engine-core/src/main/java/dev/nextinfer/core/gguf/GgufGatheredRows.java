package dev.nextinfer.core.gguf;

import dev.nextinfer.core.checkpoint.SourceTensor;
import dev.nextinfer.kernels.Matrix;
import dev.nextinfer.kernels.MatrixFormat;
import dev.nextinfer.kernels.StackedRows;

/**
 * A model matrix whose rows GGUF stores in other tensors, in another order: {@code in_proj_qkvz}, which current
 * files split into {@code attn_qkv} (q of all key heads, k of all key heads, v of all value heads) and
 * {@code attn_gate} (z), while the model's projection is grouped per key head as {@code [q, k, v, z]}. Multiplied
 * in place through {@link StackedRows}; no copy.
 */
final class GgufGatheredRows implements SourceTensor {
    private final String name;
    private final GgufTensorView[] parts;
    private final int[] part;
    private final int[] from;
    private final int[] length;

    GgufGatheredRows(String name, GgufTensorView[] parts, int[] part, int[] from, int[] length) {
        this.name = name;
        this.parts = parts;
        this.part = part;
        this.from = from;
        this.length = length;
    }

    /**
     * {@code in_proj_qkvz} from {@code attn_qkv} and {@code attn_gate}: for each key head {@code h}, its q rows, its
     * k rows, the v rows of its {@code r} value heads, then their z rows.
     */
    static GgufGatheredRows qkvz(String name, GgufTensorView qkv, GgufTensorView gate, int nk, int dk, int nv, int dv) {
        int r = nv / nk;
        int runs = 4 * nk;
        int[] part = new int[runs];
        int[] from = new int[runs];
        int[] length = new int[runs];
        for (int h = 0; h < nk; h++) {
            int i = 4 * h;
            set(part, from, length, i, 0, h * dk, dk);
            set(part, from, length, i + 1, 0, nk * dk + h * dk, dk);
            set(part, from, length, i + 2, 0, 2 * nk * dk + h * r * dv, r * dv);
            set(part, from, length, i + 3, 1, h * r * dv, r * dv);
        }
        return new GgufGatheredRows(name, new GgufTensorView[] {qkv, gate}, part, from, length);
    }

    private static void set(int[] part, int[] from, int[] length, int i, int p, int f, int n) {
        part[i] = p;
        from[i] = f;
        length[i] = n;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String describe() {
        return parts[0].describe() + " with '" + parts[1].info().name() + "'";
    }

    @Override
    public String type() {
        return parts[0].type().equals(parts[1].type()) ? parts[0].type() : parts[0].type() + "+" + parts[1].type();
    }

    @Override
    public String problem() {
        for (GgufTensorView p : parts) {
            String s = p.problem();
            if (s != null) {
                return s;
            }
        }
        for (int i = 0; i < part.length; i++) {
            if (from[i] + length[i] > parts[part[i]].rowCount()) {
                return parts[part[i]].describe() + " has " + parts[part[i]].rowCount() + " rows, expected at least " + (from[i] + length[i])
                        + " for the DeltaNet heads of the config";
            }
        }
        if (parts[0].info().rowLength() != parts[1].info().rowLength()) {
            return describe() + ": rows of " + parts[0].info().rowLength() + " and " + parts[1].info().rowLength() + " values differ";
        }
        return null;
    }

    @Override
    public boolean hasShape(long... shape) {
        long rows = 0;
        for (int n : length) {
            rows += n;
        }
        long stored = parts[0].rowCount() + parts[1].rowCount();
        return shape.length == 2 && shape[0] == rows && rows == stored && shape[1] == parts[0].info().rowLength();
    }

    @Override
    public String shapeString() {
        return parts[0].shapeString() + " + " + parts[1].shapeString();
    }

    @Override
    public MatrixFormat format() {
        return parts[0].format();
    }

    @Override
    public long byteSize() {
        return parts[0].byteSize() + parts[1].byteSize();
    }

    @Override
    public Matrix matrix(int rows, int cols) {
        Matrix[] m = new Matrix[parts.length];
        for (int i = 0; i < parts.length; i++) {
            m[i] = parts[i].matrix(Math.toIntExact(parts[i].rowCount()), cols);
        }
        return new StackedRows(m, part, from, length);
    }

    @Override
    public void readRow(int row, float[] dst, int off) {
        int i = 0;
        int start = 0;
        while (row >= start + length[i]) {
            start += length[i++];
        }
        parts[part[i]].readRow(from[i] + row - start, dst, off);
    }

    @Override
    public float[] readAll() {
        throw new IllegalStateException(name + " is a matrix; read it by rows");
    }

    @Override
    public void release() {
        for (GgufTensorView p : parts) {
            p.release();
        }
    }
}
