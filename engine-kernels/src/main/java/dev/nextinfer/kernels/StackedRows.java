package dev.nextinfer.kernels;

/**
 * A matrix whose rows are runs of rows of other matrices, without a copy: run {@code i} puts rows
 * {@code [from[i], from[i] + length[i])} of {@code parts[part[i]]} next in line. It lets a checkpoint that stores
 * one projection as several tensors, or with its rows in another order, be multiplied as the one matrix the model
 * expects; every kernel call is forwarded run by run to the parts' own kernels.
 */
public final class StackedRows implements Matrix {
    private final Matrix[] parts;
    private final int[] part;
    private final int[] from;
    private final int[] start;
    private final int rows;
    private final int cols;

    /**
     * @param parts  the matrices rows come from (same column count)
     * @param part   for each run, the index of its part
     * @param from   for each run, its first row in that part
     * @param length for each run, its number of rows
     */
    public StackedRows(Matrix[] parts, int[] part, int[] from, int[] length) {
        if (parts.length == 0 || part.length == 0 || part.length != from.length || part.length != length.length) {
            throw new IllegalArgumentException("need at least one part and one run, with as many parts, starts and lengths");
        }
        this.cols = parts[0].cols();
        for (Matrix p : parts) {
            if (p.cols() != cols) {
                throw new IllegalArgumentException("parts have " + p.cols() + " and " + cols + " columns");
            }
        }
        this.parts = parts.clone();
        this.part = part.clone();
        this.from = from.clone();
        this.start = new int[part.length + 1];
        for (int i = 0; i < part.length; i++) {
            Matrix p = parts[part[i]];
            if (length[i] < 1 || from[i] < 0 || from[i] + length[i] > p.rows()) {
                throw new IllegalArgumentException("run " + i + " [" + from[i] + ", +" + length[i] + ") is outside part " + part[i]
                        + " (" + p.rows() + " rows)");
            }
            start[i + 1] = start[i] + length[i];
        }
        this.rows = start[part.length];
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    /** The format of the first part (parts may differ). */
    @Override
    public MatrixFormat format() {
        return parts[0].format();
    }

    @Override
    public long byteSize() {
        long n = 0;
        for (int i = 0; i < part.length; i++) {
            Matrix p = parts[part[i]];
            n += p.byteSize() / p.rows() * (start[i + 1] - start[i]);
        }
        return n;
    }

    /** The run holding row {@code r}. */
    private int run(int r) {
        int lo = 0;
        int hi = part.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (start[mid] <= r) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /** The part row {@code row} comes from. */
    Matrix partOf(int row) {
        return parts[part[run(row)]];
    }

    /** Row {@code row}'s index in {@link #partOf its part}. */
    int rowInPart(int row) {
        int i = run(row);
        return from[i] + row - start[i];
    }

    /**
     * The same runs over {@code f} applied to each part (which must keep its shape): a stack whose parts are in
     * different formats can have each part repacked for its own kernel.
     */
    public StackedRows withParts(java.util.function.UnaryOperator<Matrix> f) {
        Matrix[] mapped = new Matrix[parts.length];
        for (int i = 0; i < parts.length; i++) {
            mapped[i] = f.apply(parts[i]);
            if (mapped[i].rows() != parts[i].rows() || mapped[i].cols() != parts[i].cols()) {
                throw new IllegalArgumentException("part " + i + " changed shape");
            }
        }
        int[] length = new int[part.length];
        for (int i = 0; i < part.length; i++) {
            length[i] = start[i + 1] - start[i];
        }
        return new StackedRows(mapped, part, from, length);
    }

    /** Whether every part satisfies {@code test}. */
    public boolean allParts(java.util.function.Predicate<Matrix> test) {
        for (Matrix p : parts) {
            if (!test.test(p)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int rowGroup() {
        int g = 1;
        for (Matrix p : parts) {
            g = Math.max(g, p.rowGroup());
        }
        return g;
    }

    @Override
    public float dot(int row, float[] x, int xOff) {
        int i = run(row);
        return parts[part[i]].dot(from[i] + row - start[i], x, xOff);
    }

    @Override
    public void row(int row, float[] dst, int off) {
        int i = run(row);
        parts[part[i]].row(from[i] + row - start[i], dst, off);
    }

    // Each run is a contiguous row range of its part, so the part's kernel runs on it with the output shifted:
    // part row s lands at y[yOff + (start + s − from)].
    @Override
    public void matVec(float[] x, int xOff, float[] y, int yOff, int r0, int r1) {
        for (int i = run(r0); i < part.length && start[i] < r1; i++) {
            int a = Math.max(r0, start[i]);
            int b = Math.min(r1, start[i + 1]);
            int shift = start[i] - from[i];
            parts[part[i]].matVec(x, xOff, y, yOff + shift, a - shift, b - shift);
        }
    }

    @Override
    public void matMul(float[] x, int xOff, int xStride, int n, float[] y, int yOff, int yStride, int r0, int r1) {
        for (int i = run(r0); i < part.length && start[i] < r1; i++) {
            int a = Math.max(r0, start[i]);
            int b = Math.min(r1, start[i + 1]);
            int shift = start[i] - from[i];
            parts[part[i]].matMul(x, xOff, xStride, n, y, yOff + shift, yStride, a - shift, b - shift);
        }
    }

    @Override
    public void matVecRows(float[] x, int xOff, int xStride, int n, float[] y, int yOff, int yStride, int r0, int r1) {
        for (int i = run(r0); i < part.length && start[i] < r1; i++) {
            int a = Math.max(r0, start[i]);
            int b = Math.min(r1, start[i + 1]);
            int shift = start[i] - from[i];
            parts[part[i]].matVecRows(x, xOff, xStride, n, y, yOff + shift, yStride, a - shift, b - shift);
        }
    }
}
