package dev.nextinfer.tools.bench;

import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.decode.MtpDecoder;
import dev.nextinfer.core.decode.TokenLoop;
import dev.nextinfer.core.model.ForwardResult;
import dev.nextinfer.core.model.Qwen3NextModel;
import dev.nextinfer.core.model.SequenceState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * End-to-end prefill and decode speed of a loaded model: warm up (so the JIT has compiled the kernels), prefill
 * {@code promptTokens} random ids on top of {@code depth} synthetic positions in forward calls of
 * {@link TokenLoop#PREFILL_CHUNK} tokens (as a session does), then decode {@code genTokens} greedily one token per
 * step, all through the {@link TokenLoop}. The run's memory is admitted first ({@link Qwen3Next#requireFits}), so a depth
 * that cannot fit fails at once with the numbers.
 */
public final class BenchRunner {
    private static final int WARM_UP_STEPS = 24;

    private BenchRunner() {
    }

    /** Runs the benchmark without speculative decoding. */
    public static BenchResult run(Qwen3Next q, int promptTokens, int genTokens, int depth, double loadSeconds, String weightsName) {
        return run(q, promptTokens, genTokens, depth, loadSeconds, weightsName, 0);
    }

    /**
     * Runs the benchmark; with {@code mtp > 0} it then decodes the same number of tokens again with greedy speculative
     * decoding (k = {@code mtp}) from the same prompt and reports both. {@code loadSeconds} and {@code weightsName}
     * are only reported.
     */
    public static BenchResult run(Qwen3Next q, int promptTokens, int genTokens, int depth, double loadSeconds, String weightsName, int mtp) {
        return run(q, promptTokens, genTokens, depth, loadSeconds, weightsName, mtp, 1);
    }

    /**
     * As {@link #run(Qwen3Next, int, int, int, double, String, int)}; with {@code batch > 1} it also decodes
     * {@code batch} independent sequences together ({@link dev.nextinfer.core.model.Qwen3NextModel#forwardBatch},
     * after the single-stream run, so both come from the same process) and reports their aggregate tokens/s.
     */
    public static BenchResult run(Qwen3Next q, int promptTokens, int genTokens, int depth, double loadSeconds, String weightsName,
                                  int mtp, int batch) {
        return run(q, promptTokens, genTokens, depth, loadSeconds, weightsName, mtp, batch, phase -> { });
    }

    /**
     * As {@link #run(Qwen3Next, int, int, int, double, String, int, int)}, telling {@code progress} each phase as it
     * starts (one short line each: the warm-up, filling a synthetic context, the prefill, the decodes), so that a
     * run of minutes at a large depth says what it is doing.
     */
    public static BenchResult run(Qwen3Next q, int promptTokens, int genTokens, int depth, double loadSeconds, String weightsName,
                                  int mtp, int batch, Consumer<String> progress) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be ≥ 1, got " + batch);
        }
        Qwen3NextModel model = q.model();
        int vocab = model.config().vocabSize();
        int positions = depth + promptTokens + genTokens + 1;
        int mtpPositions = depth + promptTokens + genTokens + mtp + 2;
        q.requireFits(positions, false, batch);
        if (mtp > 0) {
            q.requireFits(mtpPositions, true);
        }
        long estimate = q.memoryEstimate(mtp > 0 ? mtpPositions : positions, mtp > 0).totalBytes();
        SplittableRandom rnd = new SplittableRandom(1234);
        int[] prompt = new int[promptTokens];
        for (int i = 0; i < promptTokens; i++) {
            prompt[i] = rnd.nextInt(Math.min(vocab, 150_000));
        }
        progress.accept("warming up (the JIT compiles the kernels)");
        warmUp(model, prompt);

        SequenceState state = model.newState(positions);
        if (depth > 0) {
            progress.accept(String.format(java.util.Locale.ROOT, "filling %,d positions of synthetic context", depth));
            SyntheticContext.fill(state, depth, 99, model.pool());
        }
        // genTokens decode steps: the first token comes from the prompt's logits, each step feeds one back
        TokenLoop plain = TokenLoop.builder(model, state, prompt).maxTokens(genTokens + 1).build();
        progress.accept(String.format(java.util.Locale.ROOT, "prefilling %,d tokens", promptTokens));
        long t0 = System.nanoTime();
        ForwardResult r = plain.prefill(); // in chunks, as a session prefills: bounded activations
        double prefill = (System.nanoTime() - t0) / 1e9;

        progress.accept(String.format(java.util.Locale.ROOT, "decoding %,d tokens", genTokens));
        long t1 = System.nanoTime();
        plain.decode(r.logits());
        double decode = (System.nanoTime() - t1) / 1e9;
        long stateBytes = state.byteSize();
        long kvBytes = state.kvBytes();
        state.close(); // before the speculative run's state: one sequence's memory at a time
        double mtpTokS = 0;
        double acceptance = 0;
        double perPass = 0;
        if (mtp > 0) {
            progress.accept(String.format(java.util.Locale.ROOT, "decoding %,d tokens with MTP, %d draft%s a round", genTokens, mtp,
                    mtp == 1 ? "" : "s"));
            SequenceState s = model.newState(mtpPositions, true);
            if (depth > 0) {
                SyntheticContext.fill(s, depth, 99, model.pool());
            }
            MtpDecoder speculative = new MtpDecoder(mtp);
            FirstTokenClock clock = new FirstTokenClock();
            TokenLoop loop = TokenLoop.builder(model, s, prompt).maxTokens(genTokens + 1).decoder(speculative).sink(clock).build();
            loop.decode(loop.prefill().logits());
            int produced = loop.context().generatedCount() - 1; // after the first token, as the plain run
            mtpTokS = produced / ((System.nanoTime() - clock.start()) / 1e9);
            acceptance = speculative.stats().acceptanceRate();
            perPass = speculative.stats().tokensPerPass();
            s.close();
        }
        if (batch > 1) {
            progress.accept(String.format(java.util.Locale.ROOT, "decoding %d sequences together", batch));
        }
        double aggregate = batch == 1 ? genTokens / decode
                : BatchedDecodeRun.aggregateTokS(model, batch, promptTokens, genTokens, depth, positions);
        long[] rss = rss();
        return new BenchResult(promptTokens, genTokens, depth, model.pool().threads(), weightsName,
                promptTokens / prefill, genTokens / decode, loadSeconds,
                model.weights().matrixBytes(), stateBytes, rss[0], rss[1], mtp, mtpTokS, acceptance, perPass,
                model.kvCacheFormat().cliName(), kvBytes, estimate, q.memoryLimit(), batch, aggregate,
                model.weights().decodeMatrixBytes(model.config().numExpertsPerTok()) + stateBytes + (stateBytes - kvBytes));
    }

    /**
     * Prefills of 8 and 64 tokens and {@value #WARM_UP_STEPS} decode steps on scratch states, so timings exclude JIT
     * compilation (with 4 steps C2 was still compiling decode paths while tokens were timed). Two prompt lengths
     * because with {@code --int8-activations} a product of a few rows runs the integer kernel and one of many rows the f32
     * panel product: a single short warm-up prefill would leave one of them to be compiled while the prefill is timed.
     */
    private static void warmUp(Qwen3NextModel model, int[] prompt) {
        for (int n : new int[] {Math.min(prompt.length, 8), Math.min(prompt.length, 64)}) {
            int steps = n <= 8 ? WARM_UP_STEPS : 0;
            try (SequenceState s = model.newState(n + steps + 4)) {
                TokenLoop.builder(model, s, Arrays.copyOf(prompt, n)).maxTokens(steps + 1).build().generate();
            }
        }
    }

    /** {VmRSS, VmHWM} in bytes from /proc/self/status, or zeros where unavailable. */
    static long[] rss() {
        long[] out = new long[2];
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    out[0] = kb(line);
                } else if (line.startsWith("VmHWM:")) {
                    out[1] = kb(line);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: report 0
        }
        return out;
    }

    private static long kb(String line) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
    }
}
