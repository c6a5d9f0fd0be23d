package dev.nextinfer.core.bench;

import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.model.ForwardResult;
import dev.nextinfer.core.model.Qwen3NextModel;
import dev.nextinfer.core.model.SequenceState;
import dev.nextinfer.kernels.VectorOps;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * End-to-end prefill and decode speed of a loaded model: warm up (so the JIT has compiled the kernels), prefill
 * {@code promptTokens} random ids on top of {@code depth} synthetic positions, then decode {@code genTokens}
 * greedily one token per step.
 */
public final class BenchRunner {
    private BenchRunner() {
    }

    /** Runs the benchmark; {@code loadSeconds} and {@code weightsName} are only reported. */
    public static BenchResult run(Qwen3Next q, int promptTokens, int genTokens, int depth, double loadSeconds, String weightsName) {
        Qwen3NextModel model = q.model();
        int vocab = model.config().vocabSize();
        SplittableRandom rnd = new SplittableRandom(1234);
        int[] prompt = new int[promptTokens];
        for (int i = 0; i < promptTokens; i++) {
            prompt[i] = rnd.nextInt(Math.min(vocab, 150_000));
        }
        warmUp(model, prompt);

        SequenceState state = model.newState(depth + promptTokens + genTokens + 1);
        if (depth > 0) {
            state.fillSynthetic(depth, 99);
        }
        long t0 = System.nanoTime();
        ForwardResult r = model.forward(prompt, 0, promptTokens, state, false, false);
        double prefill = (System.nanoTime() - t0) / 1e9;

        int[] token = new int[1];
        long t1 = System.nanoTime();
        for (int i = 0; i < genTokens; i++) {
            token[0] = VectorOps.argmax(r.logits(), 0, vocab);
            r = model.forward(token, 0, 1, state, false, false);
        }
        double decode = (System.nanoTime() - t1) / 1e9;
        long[] rss = rss();
        return new BenchResult(promptTokens, genTokens, depth, model.pool().threads(), weightsName,
                promptTokens / prefill, genTokens / decode, loadSeconds,
                model.weights().matrixBytes(), state.byteSize(), rss[0], rss[1]);
    }

    /** A short prefill and a few decode steps on a scratch state, so timings exclude JIT compilation. */
    private static void warmUp(Qwen3NextModel model, int[] prompt) {
        int n = Math.min(prompt.length, 16);
        SequenceState s = model.newState(n + 8);
        ForwardResult r = model.forward(prompt, 0, n, s, false, false);
        int[] token = new int[1];
        for (int i = 0; i < 4; i++) {
            token[0] = VectorOps.argmax(r.logits(), 0, model.config().vocabSize());
            r = model.forward(token, 0, 1, s, false, false);
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
