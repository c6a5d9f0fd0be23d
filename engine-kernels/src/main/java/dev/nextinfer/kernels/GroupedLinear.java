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
     * About {@link #CHUNK_BYTES} of rows, a multiple of {@link LanePanel#ROWS} (whole mat-mat panels) and of the
     * matrix's row group; for a matrix with row groups, at least {@link #MIN_GROUPS} of them, so that a decode step's
     * mat-vec pairs groups at least two apart ({@code RowLaneMatrix.groups}): with 128 KB a Q8_0 expert chunk held
     * two adjacent groups, which stream worse than groups further apart (48 layers' 22 Q8_0 gate/up experts, 2
     * threads: 33–41 → 43–46 G weights/s with four groups per chunk).
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

    /** Activation rows up to which a product counts as a decode step's (see {@link #decodeRowsPerChunk}). */
    static final int DECODE_ROWS = 4;
    /** Most weight bytes per chunk of a decode step's products (see {@link #decodeRowsPerChunk}). */
    static final int DECODE_CHUNK_BYTES = 1280 * 1024;

    /**
     * Rows per chunk when every product has at most {@link #DECODE_ROWS} activation rows: the fewest equal pieces of
     * at most {@link #DECODE_CHUNK_BYTES} each (a whole 512 × 2048 Q4_0 or Q8_0 gate or up expert) such that the region's
     * {@code count} matrices give a multiple of {@code threads} chunks, or at least 8 per thread. A decode step's
     * mat-vec streams each chunk's rows as two runs (its paired row groups), and runs of 128 KB chunks left the
     * hardware prefetchers restarting every few tens of KB: one layer's 22 gate/up and 11 down Q4_0 experts on 2
     * threads, 56 → 69 G weights/s (medians; whole down matrices instead of halves leave one of 11 chunks alone at
     * the tail); 1280 KB rather than 640 keeps Q8_0's 1.1 MB gate/up experts whole (a3b-e32 Q8_0 decode +5–29% in
     * three alternating pairs).
     */
    static int decodeRowsPerChunk(Matrix w, int count, int threads) {
        int align = Math.max(LanePanel.ROWS, w.rowGroup());
        int groups = (w.rows() + align - 1) / align;
        long groupBytes = Math.max(1, w.byteSize() / groups);
        for (int k = 1; k < groups; k++) {
            int perChunk = (groups + k - 1) / k;
            int chunks = (groups + perChunk - 1) / perChunk;
            if (perChunk * groupBytes <= DECODE_CHUNK_BYTES
                    && ((long) count * chunks % threads == 0 || (long) count * chunks >= 8L * threads)) {
                return perChunk * align;
            }
        }
        return align;
    }

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
        int[] firstChunk = new int[count + 1];
        int[] rowsPerChunk = new int[count];
        int active = 0;
        int maxRows = 0;
        for (int i = 0; i < count; i++) {
            active += ns[i] > 0 ? 1 : 0;
            maxRows = Math.max(maxRows, ns[i]);
        }
        boolean decode = maxRows <= DECODE_ROWS;
        for (int i = 0; i < count; i++) {
            rowsPerChunk[i] = decode ? decodeRowsPerChunk(ws[i], active, pool.threads()) : rowsPerChunk(ws[i]);
            int chunks = ns[i] == 0 ? 0 : (ws[i].rows() + rowsPerChunk[i] - 1) / rowsPerChunk[i];
            firstChunk[i + 1] = firstChunk[i] + chunks;
        }
        int total = firstChunk[count];
        pool.parallelFor(total, 1, (c0, c1) -> {
            int i = 0;
            for (int c = c0; c < c1; c++) {
                while (firstChunk[i + 1] <= c) {
                    i++;
                }
                Matrix w = ws[i];
                int r0 = (c - firstChunk[i]) * rowsPerChunk[i];
                int r1 = Math.min(w.rows(), r0 + rowsPerChunk[i]);
                mode.multiply(w, xs[i], 0, w.cols(), ns[i], ys[i], 0, w.rows(), r0, r1);
            }
        });
    }
}
