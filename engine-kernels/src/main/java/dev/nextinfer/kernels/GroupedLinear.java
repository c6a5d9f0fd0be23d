package dev.nextinfer.kernels;

/**
 * Several independent products {@code y_i = x_i·W_iᵀ} (each over {@code n_i} activation rows) run as ONE parallel
 * region over the concatenated weight rows. A MoE decode step multiplies 11 small expert matrices: as separate
 * regions each would pay a fork/join and leave threads idle at its tail; grouped, the threads stream all experts'
 * rows back to back.
 */
public final class GroupedLinear {
    /**
     * Weight bytes per scheduling chunk. Sized in bytes, not rows: the hardware prefetchers need long contiguous
     * runs, and with 32-row chunks a 2048×512 q8_0 expert matrix was handed out in 16 KB pieces that two threads
     * interleaved (measured 12 GB/s; 64 KB chunks: 16 GB/s; 128 KB keeps bf16 expert rows at 32 per chunk). Still small enough to balance 11 experts over threads.
     */
    static final int CHUNK_BYTES = 128 * 1024;

    private GroupedLinear() {
    }

    /**
     * Rows per chunk of products with more than {@link #DECODE_ROWS} activation rows (prefill, verification passes):
     * about {@link #CHUNK_BYTES} of rows, a multiple of {@link LanePanel#ROWS} (whole mat-mat panels) and of the
     * matrix's row group; for a matrix with row groups, at least {@link #MIN_GROUPS} of them (a rule from when decode
     * steps used these chunks: with 128 KB a Q8_0 expert chunk held two adjacent groups, which the paired mat-vec
     * streamed worse than groups further apart; kept, prefill was not re-measured without it).
     */
    static int rowsPerChunk(Matrix w) {
        long rowBytes = Math.max(1, w.byteSize() / Math.max(1, w.rows()));
        int align = Math.max(LanePanel.ROWS, w.rowGroup());
        int least = w.rowGroup() > 1 ? MIN_GROUPS * align : align;
        int rows = (int) Math.max(least, CHUNK_BYTES / rowBytes);
        return (rows + align - 1) / align * align;
    }

    /** Row groups per chunk at least, for matrices that have them (see {@link #rowsPerChunk}). */
    static final int MIN_GROUPS = 4;

    /** Activation rows up to which a product counts as a decode step's (see {@link #decode}). */
    static final int DECODE_ROWS = 4;

    /**
     * For each {@code i < count}: {@code ys[i][t][r] = W_i[r]·xs[i][t]} for {@code t < ns[i]}, dense row-major
     * ({@code xs[i]} is {@code [ns[i]][cols_i]}, {@code ys[i]} is {@code [ns[i]][rows_i]}). Entries with
     * {@code ns[i] == 0} are skipped.
     */
    public static void forward(ThreadPool pool, int count, Matrix[] ws, float[][] xs, int[] ns, float[][] ys) {
        forward(pool, MatMulMode.FASTEST, count, ws, xs, ns, ys);
    }

    /** As {@link #forward(ThreadPool, int, Matrix[], float[][], int[], float[][])} with the kernel chosen by {@code mode}. */
    public static void forward(ThreadPool pool, MatMulMode mode, int count, Matrix[] ws, float[][] xs, int[] ns, float[][] ys) {
        forward(pool, mode, count, ws, xs, new int[count], ns, ys, new int[count]);
    }

    /**
     * As {@link #forward(ThreadPool, MatMulMode, int, Matrix[], float[][], int[], float[][])} with product {@code i}'s
     * rows starting at {@code xs[i][xOffs[i]]} and {@code ys[i][yOffs[i]]} (still dense: row strides are the matrix's
     * columns and rows), so that several products can share one array.
     */
    public static void forward(ThreadPool pool, MatMulMode mode, int count, Matrix[] ws, float[][] xs, int[] xOffs, int[] ns,
                               float[][] ys, int[] yOffs) {
        int maxRows = 0;
        for (int i = 0; i < count; i++) {
            maxRows = Math.max(maxRows, ns[i]);
        }
        if (maxRows <= DECODE_ROWS) {
            decode(pool, mode, count, ws, xs, xOffs, ns, ys, yOffs, DECODE_MIN_PIECE_BYTES);
            return;
        }
        int[] firstChunk = new int[count + 1];
        int[] rowsPerChunk = new int[count];
        for (int i = 0; i < count; i++) {
            rowsPerChunk[i] = rowsPerChunk(ws[i]);
            int chunks = ns[i] == 0 ? 0 : (ws[i].rows() + rowsPerChunk[i] - 1) / rowsPerChunk[i];
            firstChunk[i + 1] = firstChunk[i] + chunks;
        }
        pool.parallelFor(firstChunk[count], 1, (c0, c1) -> {
            int i = 0;
            for (int c = c0; c < c1; c++) {
                while (firstChunk[i + 1] <= c) {
                    i++;
                }
                Matrix w = ws[i];
                int r0 = (c - firstChunk[i]) * rowsPerChunk[i];
                int r1 = Math.min(w.rows(), r0 + rowsPerChunk[i]);
                mode.multiply(w, xs[i], xOffs[i], w.cols(), ns[i], ys[i], yOffs[i], w.rows(), r0, r1);
            }
        });
    }

    /** Smallest guided piece of a decode step's products, in weight bytes (see {@link #decode}). */
    static final int DECODE_MIN_PIECE_BYTES = 64 * 1024;

    /** Smallest guided piece, in units, when {@code units} of a decode step's products hold {@code bytes} of weights. */
    static int unitsPerPiece(int units, long bytes, int minPieceBytes) {
        return (int) Math.max(1, Math.min(units, minPieceBytes * (long) units / Math.max(1, bytes)));
    }

    /**
     * A decode step's products: the matrices' row groups laid end to end and handed out by guided scheduling
     * ({@link ThreadPool#parallelForGuided}; pieces of at least {@code minPieceBytes}), so a thread's first pieces
     * span several whole experts (long runs for the prefetchers: fixed 128 KB chunks restarted them every few tens of
     * KB) and the last ones a few row groups, so the threads finish together: fixed whole-expert chunks left one
     * thread idle for up to an expert's time at each region's tail (a3b-e32 Q4_0 decode, 2 threads: the threads'
     * idle time in these regions 9.8–12.5% → 7.8–7.9%). A piece that crosses from one matrix into the next is one
     * product call per matrix.
     */
    static void decode(ThreadPool pool, MatMulMode mode, int count, Matrix[] ws, float[][] xs, int[] xOffs, int[] ns,
                       float[][] ys, int[] yOffs, int minPieceBytes) {
        int[] firstUnit = new int[count + 1];
        int[] unitRows = new int[count];
        long bytes = 0;
        for (int i = 0; i < count; i++) {
            unitRows[i] = Math.max(LanePanel.ROWS, ws[i].rowGroup());
            int units = ns[i] == 0 ? 0 : (ws[i].rows() + unitRows[i] - 1) / unitRows[i];
            firstUnit[i + 1] = firstUnit[i] + units;
            bytes += ns[i] == 0 ? 0 : ws[i].byteSize();
        }
        int total = firstUnit[count];
        if (total == 0) {
            return;
        }
        pool.parallelForGuided(total, unitsPerPiece(total, bytes, minPieceBytes), (u0, u1) -> {
            int i = 0;
            while (firstUnit[i + 1] <= u0) {
                i++;
            }
            for (int u = u0; u < u1; i++) {
                int end = Math.min(u1, firstUnit[i + 1]);
                if (end > u) {
                    Matrix w = ws[i];
                    int r0 = (u - firstUnit[i]) * unitRows[i];
                    int r1 = Math.min(w.rows(), (end - firstUnit[i]) * unitRows[i]);
                    mode.multiply(w, xs[i], xOffs[i], w.cols(), ns[i], ys[i], yOffs[i], w.rows(), r0, r1);
                    u = end;
                }
            }
        });
    }
}
