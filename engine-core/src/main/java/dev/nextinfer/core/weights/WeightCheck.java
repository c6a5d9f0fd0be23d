package dev.nextinfer.core.weights;

import dev.nextinfer.core.checkpoint.CheckpointException;
import dev.nextinfer.core.checkpoint.SourceTensor;
import dev.nextinfer.core.checkpoint.TensorSource;
import dev.nextinfer.core.config.Qwen3NextConfig;
import dev.nextinfer.core.weights.TensorPlan.TensorSpec;
import dev.nextinfer.kernels.IntegerKernels;
import dev.nextinfer.kernels.Matrix;
import dev.nextinfer.kernels.MatrixFormat;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The dry run of a load: checks every tensor of the plan (presence, usable type, shape), collecting all problems,
 * and adds up the bytes to map and the bytes conversions will allocate. Nothing is read or converted.
 */
final class WeightCheck implements TensorPlan.Resolver {
    private final TensorSource source;
    private final FormatChoice choice;
    private final String hint;
    private final List<String> problems = new ArrayList<>();
    private long storedBytes;
    private long convertedBytes;
    private long residentBytes;
    private boolean quantised;
    private boolean integerKernels;
    private final boolean int8Activations;

    private WeightCheck(Qwen3NextConfig cfg, TensorSource source, FormatChoice choice, boolean int8Activations) {
        this.source = source;
        this.choice = choice;
        this.int8Activations = int8Activations;
        List<String> d = cfg.defaultedKeys();
        this.hint = d.isEmpty() ? "" : "; config.json did not set " + String.join(", ", d) + ", defaults were used";
    }

    /** Checks every tensor {@code cfg} implies against {@code source}; throws the first problem (and how many more). */
    static WeightCheck run(Qwen3NextConfig cfg, TensorSource source, FormatChoice choice) {
        return run(cfg, source, choice, false);
    }

    /** As {@link #run(Qwen3NextConfig, TensorSource, FormatChoice)}, sizing matrices repacked for integer kernels. */
    static WeightCheck run(Qwen3NextConfig cfg, TensorSource source, FormatChoice choice, boolean int8Activations) {
        WeightCheck c = new WeightCheck(cfg, source, choice, int8Activations);
        TensorPlan.walk(cfg, c);
        if (!c.problems.isEmpty()) {
            int more = c.problems.size() - 1;
            throw new CheckpointException(c.problems.getFirst() + (more > 0 ? " (and " + more + " more problem" + (more > 1 ? "s" : "") + ")" : ""));
        }
        return c;
    }

    /** Bytes of the stored tensors the plan uses. */
    long storedBytes() {
        return storedBytes;
    }

    /** Bytes the conversions to the compute formats will allocate. */
    long convertedBytes() {
        return convertedBytes;
    }

    /** Bytes the loaded weights will occupy: converted matrices, plus the stored bytes of everything used in place or read into vectors. */
    long residentBytes() {
        return residentBytes;
    }

    /** Whether any compute matrix will be held in a block (quantised) format. */
    boolean quantised() {
        return quantised;
    }

    /** Whether any compute matrix will be held in a format that has an integer kernel (repacked or not). */
    boolean integerKernels() {
        return integerKernels;
    }

    @Override
    public Matrix matrix(TensorSpec spec) {
        SourceTensor t = check(spec);
        if (t != null) {
            MatrixFormat target = choice.target(spec, t);
            // bytes in the target's integer kernel layout, -1 where it has none
            long integer = spec.kind() == TensorPlan.Kind.MATRIX ? IntegerKernels.byteSize(target, spec.rows(), spec.cols()) : -1;
            integerKernels |= integer >= 0;
            long repacked = int8Activations ? integer : -1;
            if (repacked >= 0) {
                residentBytes += repacked;
            } else if (target != t.format()) {
                convertedBytes += target.byteSize(spec.rows(), spec.cols());
                residentBytes += target.byteSize(spec.rows(), spec.cols());
            } else {
                residentBytes += t.byteSize();
            }
            if (spec.kind() == TensorPlan.Kind.MATRIX) {
                quantised |= target.blockValues() > 1;
            }
        }
        return null;
    }

    @Override
    public float[] vector(TensorSpec spec) {
        SourceTensor t = check(spec);
        if (t != null) {
            residentBytes += t.byteSize();
        }
        return null;
    }

    @Override
    public boolean has(String name) {
        return source.has(name);
    }

    @Override
    public boolean hasMtp() {
        return source.hasMtp();
    }

    private SourceTensor check(TensorSpec spec) {
        SourceTensor t = source.tensor(spec.name());
        if (t == null) {
            problems.add(source.location() + ": " + source.describeMissing(spec.name()) + " (expected shape "
                    + Arrays.toString(spec.shape()) + hint + ")");
            return null;
        }
        String problem = t.problem();
        if (problem != null) {
            problems.add(problem);
            return null;
        }
        if (!t.hasShape(spec.shape())) {
            problems.add(t.describe() + " has shape " + t.shapeString() + ", expected " + Arrays.toString(spec.shape()) + hint);
            return null;
        }
        storedBytes += t.byteSize();
        return t;
    }
}
