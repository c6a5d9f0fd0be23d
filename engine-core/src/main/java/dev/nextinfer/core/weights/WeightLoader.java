package dev.nextinfer.core.weights;

import dev.nextinfer.core.NextInferException;
import dev.nextinfer.core.checkpoint.TensorSource;
import dev.nextinfer.core.config.Qwen3NextConfig;
import dev.nextinfer.kernels.MatrixFormat;
import dev.nextinfer.kernels.ThreadPool;
import java.lang.foreign.Arena;

/**
 * Builds {@link ModelWeights} from any {@link TensorSource}: {@link WeightCheck} checks every tensor of the
 * {@link TensorPlan} (collecting all problems) and sizes the conversions, the memory they need is compared with
 * the machine's, and only then does {@link WeightLoading} map or convert each tensor.
 */
public final class WeightLoader {

    private WeightLoader() {
    }

    /**
     * What {@link #load} produced besides the weights.
     *
     * @param mtpNote   why the MTP head is unavailable, or null
     * @param quantised whether any compute matrix is held in a block format (converted or as stored)
     */
    public record Result(ModelWeights weights, String mtpNote, boolean quantised) {
    }

    /**
     * What a load will hold, known before anything is read: {@code residentBytes} of weights (converted matrices
     * plus the stored bytes of tensors used in place), whether any matrix ends up in a block format, and whether any
     * ends up in a format with an integer kernel ({@code integerKernels}: what int8 activations would speed up).
     */
    public record Plan(long residentBytes, boolean quantised, boolean integerKernels) {
    }

    /** Checks every tensor (as {@link #check}) and sizes the load with {@code format} (null = as stored). */
    public static Plan plan(Qwen3NextConfig cfg, TensorSource source, WeightFormat format) {
        return plan(cfg, source, format, false);
    }

    /** As {@link #plan(Qwen3NextConfig, TensorSource, WeightFormat)}, sizing the repacks of {@code int8Activations}. */
    public static Plan plan(Qwen3NextConfig cfg, TensorSource source, WeightFormat format, boolean int8Activations) {
        WeightCheck c = WeightCheck.run(cfg, source, new FormatChoice(format == null ? null : format.matrixFormat()), int8Activations);
        return new Plan(c.residentBytes(), c.quantised(), c.integerKernels());
    }

    /** Checks every tensor the config implies (presence, type, shape) without reading any; throws the first problem. */
    public static void check(Qwen3NextConfig cfg, TensorSource source) {
        WeightCheck.run(cfg, source, new FormatChoice(null));
    }

    /**
     * Checks and loads all weights. {@code format} null keeps each matrix as stored (f32/bf16/f16 and every GGUF
     * block type in place; FP8 widened to f32). Converted weights are allocated in {@code arena}, converted on
     * {@code pool}. {@code int8Activations}: IQ4_NL, IQ4_XS, Q2_K, Q3_K, Q4_0, Q4_K, Q5_0, Q5_K, Q6_K and Q8_0
     * matrices are repacked for their integer kernels ({@link dev.nextinfer.kernels.IntegerKernels}: 4.5, 4.38, 2.75,
     * 3.63, 4.5, 4.75, 5.5, 5.75, 8.6 and 8.5 bits per weight against 4.5, 4.25, 2.63, 3.44, 4.5, 4.5, 5.5, 5.5, 6.56 and 8.5;
     * in {@code arena}, the stored pages released).
     */
    public static Result load(Qwen3NextConfig cfg, TensorSource source, WeightFormat format, boolean int8Activations,
                              Arena arena, ThreadPool pool, LoadListener listener) {
        FormatChoice choice = new FormatChoice(format == null ? null : format.matrixFormat());
        WeightCheck check = WeightCheck.run(cfg, source, choice);
        checkMemory(check.convertedBytes(), choice.requested());
        WeightLoading loading = new WeightLoading(source, choice, int8Activations, arena, pool, listener, check.storedBytes());
        ModelWeights w = TensorPlan.walk(cfg, loading);
        String note = w.mtp() == null ? source.location() + ": no mtp.* tensors (in GGUF: no nextn block), so multi-token prediction is unavailable" : null;
        return new Result(w, note, loading.quantised());
    }

    /** Fails before converting anything when the converted weights cannot fit in physical memory. */
    private static void checkMemory(long bytes, MatrixFormat format) {
        long physical = physicalMemory();
        if (physical > 0 && bytes > physical * 0.9) {
            throw new NextInferException(String.format(
                    "the weights in %s need %.1f GB but this machine has %.1f GB of memory; choose a smaller format (--weights bf16, q8_0 or q4_0)",
                    format == null ? "f32 (widened from fp8)" : format.name().toLowerCase(java.util.Locale.ROOT), bytes / 1e9, physical / 1e9));
        }
    }

    private static long physicalMemory() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return 0;
    }
}
