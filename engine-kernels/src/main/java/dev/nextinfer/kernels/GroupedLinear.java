package dev.nextinfer.kernels;

/**
 * Several independent products {@code y_i = x_i·W_iᵀ} (each over {@code n_i} activation rows) run as ONE parallel
 * region over the concatenated weight rows. A MoE decode step multiplies 11 small expert matrices: as separate
 * regions each would pay a fork/join and leave threads idle at its tail; grouped, the threads stream all experts'
 * rows back to back.
 */
public final class GroupedLinear {
    /** Weight rows per scheduling chunk: enough work to amortise the hand-out, small enough to balance. */
    private static final int ROWS_PER_CHUNK = 32;

    private GroupedLinear() {
    }

    /**
     * For each {@code i < count}: {@code ys[i][t][r] = W_i[r]·xs[i][t]} for {@code t < ns[i]}, dense row-major
     * ({@code xs[i]} is {@code [ns[i]][cols_i]}, {@code ys[i]} is {@code [ns[i]][rows_i]}). Entries with
     * {@code ns[i] == 0} are skipped.
     */
    public static void forward(ThreadPool pool, int count, Matrix[] ws, float[][] xs, int[] ns, float[][] ys) {
        int[] firstChunk = new int[count + 1];
        for (int i = 0; i < count; i++) {
            int chunks = ns[i] == 0 ? 0 : (ws[i].rows() + ROWS_PER_CHUNK - 1) / ROWS_PER_CHUNK;
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
                int r0 = (c - firstChunk[i]) * ROWS_PER_CHUNK;
                int r1 = Math.min(w.rows(), r0 + ROWS_PER_CHUNK);
                if (ns[i] == 1) {
                    w.matVec(xs[i], 0, ys[i], 0, r0, r1);
                } else {
                    w.matMul(xs[i], 0, w.cols(), ns[i], ys[i], 0, w.rows(), r0, r1);
                }
            }
        });
    }
}
