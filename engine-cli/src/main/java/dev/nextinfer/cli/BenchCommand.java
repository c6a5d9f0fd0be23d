package dev.nextinfer.cli;

import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.tools.bench.BenchResult;
import dev.nextinfer.tools.bench.BenchRunner;
import dev.nextinfer.tools.bench.CpuInfo;
import dev.nextinfer.tools.bench.MemoryBandwidth;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code bench}: prefill and decode tokens per second. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measures prefill and decode speed: warms up, prefills --prompt-tokens random ids (in forward calls of",
                "512 tokens, as a session does) on top of --depth synthetic positions (KV caches and DeltaNet states filled with",
                "random values instead of a real prefill), then decodes --gen-tokens greedily, one token per step. The run's",
                "memory (weights + KV cache + DeltaNet state + scratch) is checked against --max-memory or the memory",
                "available before anything runs; --json adds kv_bytes, estimate_bytes and peak_rss_bytes. With --batch B it then",
                "decodes B sequences together (batch, aggregate_decode_tok_s, per_sequence_decode_tok_s in --json). The",
                "processor is reported with the figures (cpu, vector_bits in --json): they hold for that CPU only.",
                "decode_bytes_per_token in --json counts what a decode step reads per token; --bandwidth then measures how fast",
                "the run's threads read memory and reports the decode's and the KV cache's share of it. On a terminal each",
                "phase (warm-up, synthetic context, prefill, decodes, bandwidth) is named on stderr as it starts."})
final class BenchCommand implements Callable<Integer> {
    /** Widest --batch: the few-row kernel is made for a handful of rows, and each sequence holds its own state. */
    static final int MAX_BATCH = 64;

    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--prompt-tokens", defaultValue = "512", paramLabel = "N", description = "Prompt length (default: ${DEFAULT-VALUE}).")
    int promptTokens;

    @Option(names = "--gen-tokens", defaultValue = "128", paramLabel = "N", description = "Tokens to decode (default: ${DEFAULT-VALUE}).")
    int genTokens;

    @Option(names = "--depth", defaultValue = "0", paramLabel = "D", description = "Synthetic context already in the caches (default: ${DEFAULT-VALUE}).")
    int depth;

    @Option(names = "--mtp", defaultValue = "0", paramLabel = "K",
            description = {"Also decode with speculative decoding (MTP head drafts K = 1…4 tokens per round) and report",
                    "acceptance rate, tokens per verification pass and the speed-up (default: ${DEFAULT-VALUE} = off)."})
    int mtp;

    @Option(names = "--batch", defaultValue = "1", paramLabel = "B",
            description = {"Also decode B independent sequences together (one forward pass per step for all of them, each",
                    "weight read once for the batch) and report their aggregate and per-sequence tokens/s next to the",
                    "single-stream figure (default: ${DEFAULT-VALUE} = single stream only; at most " + MAX_BATCH + ")."})
    int batch;

    @Option(names = "--json", description = "Print one JSON object instead of a table.")
    boolean json;

    @Option(names = "--bandwidth",
            description = {"After the run, measure how fast its threads read memory (a buffer of up to 512 MiB, within",
                    "--max-memory) and report the decode's bytes/s as a share of it (bandwidth_bytes_per_s,",
                    "decode_bandwidth_fraction, kv_read_bandwidth_fraction in --json; 0 without this flag)."})
    boolean bandwidth;

    /** Largest bandwidth probe: far beyond any cache, a fraction of a second to read. */
    static final long PROBE_BYTES = 512L << 20;

    @Override
    public Integer call() {
        if (promptTokens < 1 || genTokens < 1 || depth < 0) {
            throw new CliException("--prompt-tokens and --gen-tokens must be ≥ 1 and --depth ≥ 0");
        }
        if (batch < 1 || batch > MAX_BATCH) {
            throw new CliException("--batch must be 1…" + MAX_BATCH + ", got " + batch);
        }
        if (mtp < 0 || mtp > 4) {
            throw new CliException("--mtp must be 0…4, got " + mtp);
        }
        long positions = (long) depth + promptTokens + genTokens + mtp + 2;
        if (positions > Integer.MAX_VALUE / 2) {
            throw new CliException("--depth + --prompt-tokens + --gen-tokens = " + positions + " is too large");
        }
        long t0 = System.nanoTime();
        try (Qwen3Next q = modelOptions.load(b -> b.contextLength((int) positions))) { // admits the run's memory first
            double load = (System.nanoTime() - t0) / 1e9;
            String weights = modelOptions.weights == null ? "as-stored" : modelOptions.weights.cliName();
            if (mtp > 0 && !q.hasMtp()) {
                throw new CliException("--mtp needs the checkpoint's MTP head: " + q.mtpNote());
            }
            // the phases on a terminal only, as the progress bars: piped stderr keeps to statistics and errors
            PrintWriter err = spec.commandLine().getErr();
            java.io.Console console = System.console();
            boolean terminal = console != null && console.isTerminal();
            BenchResult r = BenchRunner.run(q, promptTokens, genTokens, depth, load, weights, mtp, batch, phase -> {
                if (terminal) {
                    err.println("bench: " + phase + " …");
                    err.flush();
                }
            });
            PrintWriter out = spec.commandLine().getOut();
            CpuInfo cpu = CpuInfo.current();
            if (bandwidth && terminal) {
                err.println("bench: measuring memory bandwidth …");
                err.flush();
            }
            double bytesPerSecond = bandwidth ? measureBandwidth(q, r) : 0;
            double decodeShare = bytesPerSecond > 0 ? r.decodeBytesPerSecond() / bytesPerSecond : 0;
            double kvShare = bytesPerSecond > 0 ? r.kvReadBytesPerSecond() / bytesPerSecond : 0;
            if (json) {
                out.println(String.format(Locale.ROOT,
                        "{\"prefill_tok_s\":%.3f,\"decode_tok_s\":%.3f,\"prompt_tokens\":%d,\"gen_tokens\":%d,\"depth\":%d,"
                                + "\"threads\":%d,\"weights\":\"%s\",\"load_s\":%.2f,\"weight_bytes\":%d,\"state_bytes\":%d,"
                                + "\"rss_bytes\":%d,\"peak_rss_bytes\":%d,\"mtp\":%d,\"mtp_decode_tok_s\":%.3f,"
                                + "\"mtp_acceptance_rate\":%.4f,\"mtp_tokens_per_pass\":%.3f,\"mtp_speedup\":%.3f,"
                                + "\"kv_cache\":\"%s\",\"kv_bytes\":%d,\"estimate_bytes\":%d,\"memory_limit_bytes\":%d,"
                                + "\"batch\":%d,\"aggregate_decode_tok_s\":%.3f,\"per_sequence_decode_tok_s\":%.3f,"
                                + "\"decode_bytes_per_token\":%.0f,\"bandwidth_bytes_per_s\":%.0f,"
                                + "\"decode_bandwidth_fraction\":%.4f,\"kv_read_bandwidth_fraction\":%.4f,"
                                + "\"context\":%d,\"cpu\":%s,\"vector_bits\":%d,\"model\":%s}",
                        r.prefillTokS(), r.decodeTokS(), r.promptTokens(), r.genTokens(), r.depth(), r.threads(), r.weights(),
                        r.loadSeconds(), r.weightBytes(), r.stateBytes(), r.rssBytes(), r.peakRssBytes(),
                        r.mtp(), r.mtpDecodeTokS(), r.acceptanceRate(), r.tokensPerPass(), r.mtpSpeedup(),
                        r.kvCache(), r.kvBytes(), r.estimateBytes(), r.memoryLimit(),
                        r.batch(), r.aggregateDecodeTokS(), r.perSequenceDecodeTokS(),
                        r.decodeBytesPerToken(), bytesPerSecond, decodeShare, kvShare, q.contextLength(),
                        TokenizerFiles.quote(cpu.describe()), cpu.vectorBits(), TokenizerFiles.quote(q.dir().toString())));
            } else {
                out.printf(Locale.ROOT, "model    %s (%s, %d threads)%n", q.dir(), r.weights(), r.threads());
                out.printf(Locale.ROOT, "cpu      %s%n", cpu.describe());
                out.printf(Locale.ROOT, "prefill  %d tokens at depth %d: %.2f tok/s%n", r.promptTokens(), r.depth(), r.prefillTokS());
                out.printf(Locale.ROOT, "decode   %d tokens: %.2f tok/s%n", r.genTokens(), r.decodeTokS());
                if (r.batch() > 1) {
                    out.printf(Locale.ROOT, "batch    %d sequences together: %.2f tok/s in all (×%.2f of one stream), %.2f tok/s each%n",
                            r.batch(), r.aggregateDecodeTokS(), r.batchSpeedup(), r.perSequenceDecodeTokS());
                }
                if (r.mtp() > 0) {
                    out.printf(Locale.ROOT, "mtp      k=%d: %.2f tok/s (×%.2f of plain), acceptance %.1f%%, %.2f tokens per verification pass%n",
                            r.mtp(), r.mtpDecodeTokS(), r.mtpSpeedup(), 100 * r.acceptanceRate(), r.tokensPerPass());
                }
                if (bytesPerSecond > 0) {
                    out.printf(Locale.ROOT, "bus      %s read per token, %.1f GB/s: %.0f%% of the %.1f GB/s %s read (KV cache %.0f%%)%n",
                            ProgressBar.human((long) r.decodeBytesPerToken()), r.decodeBytesPerSecond() / 1e9, 100 * decodeShare,
                            bytesPerSecond / 1e9, r.threads() == 1 ? "1 thread" : r.threads() + " threads", 100 * kvShare);
                }
                out.printf(Locale.ROOT, "memory   weights %s, state %s (KV cache %s in %s), RSS %s (peak %s; estimate %s, limit %s), load %.1f s%n",
                        ProgressBar.human(r.weightBytes()), ProgressBar.human(r.stateBytes()), ProgressBar.human(r.kvBytes()),
                        r.kvCache(), ProgressBar.human(r.rssBytes()), ProgressBar.human(r.peakRssBytes()),
                        ProgressBar.human(r.estimateBytes()), ProgressBar.human(r.memoryLimit()), r.loadSeconds());
            }
            out.flush();
        }
        return 0;
    }

    /**
     * {@link MemoryBandwidth} on the model's pool (the run's threads), with a buffer that fits beside the run's admitted
     * memory (the model is still loaded): up to {@link #PROBE_BYTES}, at most half of what the limit leaves.
     */
    private static double measureBandwidth(Qwen3Next q, BenchResult r) {
        long room = (r.memoryLimit() - r.estimateBytes()) / 2;
        long bytes = Math.min(PROBE_BYTES, room);
        if (bytes < MemoryBandwidth.MIN_BYTES) {
            throw new CliException(String.format(Locale.ROOT,
                    "--bandwidth needs %d MiB of memory beyond the run's estimate (%s of %s limit); raise --max-memory or leave --bandwidth out",
                    2 * (MemoryBandwidth.MIN_BYTES >> 20), ProgressBar.human(r.estimateBytes()), ProgressBar.human(r.memoryLimit())));
        }
        return MemoryBandwidth.measure(q.model().pool(), bytes);
    }
}
