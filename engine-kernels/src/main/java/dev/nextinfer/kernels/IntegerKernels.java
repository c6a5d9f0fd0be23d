package dev.nextinfer.kernels;

import java.lang.foreign.Arena;
import java.util.List;

/**
 * The integer kernels by stored format ({@code --int8-activations}): which formats have one, what their repacked
 * layouts take, and the repack itself — the one table a loader consults, so that adding a kernel is adding a row
 * here. IQ4_NL ({@link IQ4_NLR32Matrix}), IQ4_XS ({@link IQ4_XSR32Matrix}), Q2_K ({@link Q2_KR32Matrix}), Q3_K
 * ({@link Q3_KR32Matrix}), Q4_0 ({@link Q4_0R32Matrix}), Q4_K ({@link Q4_KR32Matrix}), Q5_0 ({@link Q5_0R32Matrix}),
 * Q5_K ({@link Q5_KR32Matrix}), Q6_K ({@link Q6_KR32Matrix}) and Q8_0 ({@link Q8_0R32Matrix}). MXFP4, Q4_1 and Q5_1
 * keep their exact kernels: their integer kernels were tried and were further from the exact answer than llama.cpp
 * on the test files (docs/performance.md).
 */
public final class IntegerKernels {
    private static final List<RowLaneMatrix.Layout<?>> LAYOUTS = List.of(Q4_0R32Matrix.LAYOUT, Q4_KR32Matrix.LAYOUT,
            Q5_KR32Matrix.LAYOUT, Q6_KR32Matrix.LAYOUT, Q2_KR32Matrix.LAYOUT, Q3_KR32Matrix.LAYOUT, Q8_0R32Matrix.LAYOUT,
            IQ4_XSR32Matrix.LAYOUT, IQ4_NLR32Matrix.LAYOUT, Q5_0R32Matrix.LAYOUT);

    private IntegerKernels() {
    }

    /**
     * {@code m} repacked for its format's integer kernel, in memory from {@code arena}, split over {@code pool} (null:
     * this thread); {@code m} itself where its format has none. Rows stacked from parts in different formats (a GGUF's
     * {@code attn_qkv} in Q6_K with {@code attn_gate} in Q4_K) are repacked part by part.
     */
    public static Matrix repack(Matrix m, Arena arena, ThreadPool pool) {
        for (RowLaneMatrix.Layout<?> layout : LAYOUTS) {
            if (layout.accepts(m)) {
                return layout.repack(m, arena, pool);
            }
        }
        if (m instanceof StackedRows s && !s.allParts(p -> p.format() == s.format())) {
            return s.withParts(p -> repack(p, arena, pool));
        }
        return m;
    }

    /** Whether {@code m} is held in an integer kernel's layout throughout (stacked parts included). */
    public static boolean repacked(Matrix m) {
        return m instanceof StackedRows s ? s.allParts(IntegerKernels::repacked) : m instanceof RowLaneMatrix;
    }

    /**
     * Bytes a {@code rows × cols} matrix stored in {@code format} takes once repacked, or -1 where the format has no
     * integer kernel. For rows stacked from parts in different formats, pass the first part's format: the figure is an
     * upper bound where that part is the one with the larger layout (Q6_K before Q4_K, as in the Q4_K_M files).
     */
    public static long byteSize(MatrixFormat format, int rows, int cols) {
        for (RowLaneMatrix.Layout<?> layout : LAYOUTS) {
            if (layout.format() == format) {
                return layout.byteSize(rows, cols);
            }
        }
        return -1;
    }
}
