package dev.nextinfer.core.weights;

import dev.nextinfer.core.checkpoint.SourceTensor;
import dev.nextinfer.core.weights.TensorPlan.TensorSpec;
import dev.nextinfer.kernels.MatrixFormat;

/**
 * Which format each tensor is held in for compute: the requested format ({@code --weights}) for the large matrices,
 * else the stored one; f32 for the router and for whatever has no kernels as stored (FP8). A block format that
 * does not fit a matrix's row length (small test models) leaves that matrix as stored.
 *
 * @param requested the format asked for, or null for "as stored"
 */
record FormatChoice(MatrixFormat requested) {

    /** The format {@code spec}'s tensor {@code t} is held in. */
    MatrixFormat target(TensorSpec spec, SourceTensor t) {
        MatrixFormat stored = t.format();
        MatrixFormat asStored = stored != null ? stored : MatrixFormat.F32;
        return switch (spec.kind()) {
            case F32_MATRIX -> MatrixFormat.F32;
            case EMBEDDING, VECTOR -> asStored;
            case MATRIX -> requested == null || !requested.fits(spec.cols()) ? asStored : requested;
        };
    }

    /** Whether {@code spec} asked for a block format its row length cannot hold (it stays as stored). */
    boolean fallsBack(TensorSpec spec) {
        return spec.kind() == TensorPlan.Kind.MATRIX && requested != null && !requested.fits(spec.cols());
    }
}
