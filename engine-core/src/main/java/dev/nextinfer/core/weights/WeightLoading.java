package dev.nextinfer.core.weights;

import dev.nextinfer.core.checkpoint.SourceTensor;
import dev.nextinfer.core.checkpoint.TensorSource;
import dev.nextinfer.core.weights.TensorPlan.TensorSpec;
import dev.nextinfer.kernels.IntegerKernels;
import dev.nextinfer.kernels.Matrix;
import dev.nextinfer.kernels.MatrixFormat;
import dev.nextinfer.kernels.ThreadPool;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The real run of a load (after {@link WeightCheck} passed): each matrix is used in place when it is held as stored,
 * or converted row by row into its compute format on the model's thread pool (bounded extra memory: one f32 row per
 * thread), after which the source's pages are released so resident memory holds only the compute copy.
 */
final class WeightLoading implements TensorPlan.Resolver {
    private final TensorSource source;
    private final FormatChoice choice;
    private final boolean int8Activations;
    private final Arena arena;
    private final ThreadPool pool;
    private final LoadListener listener;
    private final long totalBytes;
    private long doneBytes;
    private boolean quantised;
    private boolean fallbackReported;

    WeightLoading(TensorSource source, FormatChoice choice, boolean int8Activations, Arena arena, ThreadPool pool,
                  LoadListener listener, long totalBytes) {
        this.source = source;
        this.choice = choice;
        this.int8Activations = int8Activations;
        this.arena = arena;
        this.pool = pool;
        this.listener = listener;
        this.totalBytes = totalBytes;
    }

    /** Whether any compute matrix is held in a block (quantised) format. */
    boolean quantised() {
        return quantised;
    }

    @Override
    public Matrix matrix(TensorSpec spec) {
        SourceTensor t = source.tensor(spec.name());
        MatrixFormat target = choice.target(spec, t);
        if (choice.fallsBack(spec) && !fallbackReported) {
            fallbackReported = true;
            System.getLogger(WeightLoader.class.getName()).log(System.Logger.Level.INFO,
                    choice.requested() + " needs a row length that is a multiple of " + choice.requested().blockValues() + "; '"
                            + spec.name() + "' " + java.util.Arrays.toString(spec.shape()) + " and any other such matrix stay as stored");
        }
        Matrix m = target == t.format() ? t.matrix(spec.rows(), spec.cols()) : convert(t, spec.rows(), spec.cols(), target);
        if (spec.kind() == TensorPlan.Kind.MATRIX) {
            quantised |= m.format().blockValues() > 1;
            if (int8Activations) {
                Matrix r = IntegerKernels.repack(m, arena, pool);
                if (r != m && IntegerKernels.repacked(r)) {
                    t.release(); // the stored pages: resident memory holds the repacked copy only
                }
                m = r;
            }
        }
        done(t);
        return m;
    }

    @Override
    public float[] vector(TensorSpec spec) {
        SourceTensor t = source.tensor(spec.name());
        float[] v = t.readAll();
        t.release();
        done(t);
        return v;
    }

    @Override
    public boolean has(String name) {
        return source.has(name);
    }

    @Override
    public boolean hasMtp() {
        return source.hasMtp();
    }

    private void done(SourceTensor t) {
        doneBytes += t.byteSize();
        listener.progress(doneBytes, totalBytes, t.name());
    }

    /** Row-by-row conversion of {@code t} into {@code target}, split over the pool (rows are independent). */
    private Matrix convert(SourceTensor t, int rows, int cols, MatrixFormat target) {
        RowReader in = t.format() != null ? t.matrix(rows, cols)::row : t::readRow;
        MemorySegment seg = arena.allocate(target.byteSize(rows, cols), 64);
        long rowBytes = target.rowBytes(cols);
        int grain = Math.max(16, rows / (pool.threads() * 8));
        pool.parallelFor(rows, grain, (r0, r1) -> {
            float[] row = new float[cols];
            for (int r = r0; r < r1; r++) {
                in.read(r, row, 0);
                target.encodeRow(row, 0, seg, r * rowBytes, cols);
            }
        });
        t.release();
        return target.wrap(seg, rows, cols);
    }

    /** Rows of a stored tensor as f32. */
    private interface RowReader {
        void read(int row, float[] dst, int off);
    }
}
