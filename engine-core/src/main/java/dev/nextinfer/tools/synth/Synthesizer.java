package dev.nextinfer.tools.synth;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nextinfer.core.NextInferException;
import dev.nextinfer.core.config.ConfigParser;
import dev.nextinfer.core.config.Qwen3NextConfig;
import dev.nextinfer.core.safetensors.Checkpoint;
import dev.nextinfer.core.safetensors.DType;
import dev.nextinfer.core.safetensors.SafetensorsWriter;
import dev.nextinfer.core.weights.LoadListener;
import dev.nextinfer.core.weights.TensorPlan;
import dev.nextinfer.kernels.BF16Matrix;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes a random-weight Qwen3-Next checkpoint in the exact Hugging Face layout: {@code config.json},
 * {@code generation_config.json}, {@code model.safetensors} (or shards + {@code model.safetensors.index.json}),
 * the MTP head, and the Qwen3 tokenizer files. Deterministic: each tensor draws from its own stream seeded by
 * {@code (seed, name)}, so the bytes depend only on the seed, whatever the thread count.
 *
 * <p>Scales keep activations O(1) through any depth so logits are not degenerate: projections have standard
 * deviation {@code 1/√fan_in} (outputs of residual branches half that), zero-centred norm weights are small, and
 * the DeltaNet decay {@code e^g} sits around 0.7–0.95 per token so the recurrent state carries information.
 */
public final class Synthesizer {
    /** Largest shard of a sharded checkpoint. */
    public static final long SHARD_BYTES = 4L << 30;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String TOKENIZER_RESOURCES = "/dev/nextinfer/tokenizer/qwen3/";

    private Synthesizer() {
    }

    /** The {@code config.json} text of a preset with dtype {@code torchDtype}. */
    public static ObjectNode configJson(SynthPreset preset, DType dtype) {
        ObjectNode cfg = officialConfig();
        preset.overrides().forEach((k, v) -> cfg.putPOJO(k, v));
        cfg.put("torch_dtype", dtype == DType.F32 ? "float32" : "bfloat16");
        return cfg;
    }

    private static ObjectNode officialConfig() {
        try (InputStream in = Synthesizer.class.getResourceAsStream("qwen3-next-80b-a3b-instruct.config.json")) {
            return (ObjectNode) JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes a checkpoint for {@code configJson} into {@code out} (created if needed).
     *
     * @param dtype   F32 or BF16
     * @param threads parallel tensor writers
     */
    public static void write(ObjectNode configJson, Path out, DType dtype, long seed, int threads, LoadListener listener) throws IOException {
        write(configJson, out, dtype, seed, threads, listener, SHARD_BYTES);
    }

    /** As {@link #write(ObjectNode, Path, DType, long, int, LoadListener)} with shards of at most {@code shardBytes}. */
    public static void write(ObjectNode configJson, Path out, DType dtype, long seed, int threads, LoadListener listener,
                             long shardBytes) throws IOException {
        if (dtype != DType.F32 && dtype != DType.BF16) {
            throw new NextInferException("synth writes f32 or bf16, not " + dtype);
        }
        Files.createDirectories(out);
        String configText = JSON.writeValueAsString(configJson);
        Qwen3NextConfig cfg = ConfigParser.parse(configText, "synth config");
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        for (TensorPlan.TensorSpec t : TensorPlan.list(cfg, true)) {
            entries.add(new SafetensorsWriter.Entry(t.name(), dtype, t.shape()));
        }
        long total = entries.stream().mapToLong(SafetensorsWriter.Entry::byteSize).sum();
        List<List<SafetensorsWriter.Entry>> shards = SafetensorsWriter.shard(entries, shardBytes);
        // remove what an earlier run may have left, then write the weights before config.json so that an
        // interrupted run never leaves a loadable-looking folder
        Files.deleteIfExists(out.resolve("config.json"));
        Files.deleteIfExists(out.resolve(Checkpoint.INDEX_FILE));
        try (var ds = Files.newDirectoryStream(out, "*.safetensors")) {
            for (Path p : ds) {
                Files.delete(p);
            }
        }
        AtomicLong done = new AtomicLong();
        Map<String, String> weightMap = new LinkedHashMap<>();
        ExecutorService exec = Executors.newFixedThreadPool(Math.max(1, threads));
        try {
            for (int s = 0; s < shards.size(); s++) {
                String name = shards.size() == 1 ? "model.safetensors"
                        : String.format("model-%05d-of-%05d.safetensors", s + 1, shards.size());
                try (SafetensorsWriter w = new SafetensorsWriter(out.resolve(name), shards.get(s), Map.of("format", "pt"))) {
                    List<Future<?>> jobs = new ArrayList<>();
                    for (SafetensorsWriter.Entry e : shards.get(s)) {
                        weightMap.put(e.name(), name);
                        jobs.add(exec.submit(() -> {
                            fill(w, e, cfg, seed);
                            long d = done.addAndGet(e.byteSize());
                            synchronized (listener) {
                                listener.progress(d, total, e.name());
                            }
                            return null;
                        }));
                    }
                    for (Future<?> f : jobs) {
                        f.get();
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException(e.getCause());
        } finally {
            exec.shutdownNow();
        }
        if (shards.size() > 1) {
            ObjectNode index = JSON.createObjectNode();
            index.putObject("metadata").put("total_size", total);
            ObjectNode wm = index.putObject("weight_map");
            weightMap.forEach(wm::put);
            Files.writeString(out.resolve(Checkpoint.INDEX_FILE), JSON.writeValueAsString(index));
        }
        writeGenerationConfig(out, cfg);
        copyTokenizer(out);
        Files.writeString(out.resolve("config.json"), configText);
    }

    private static void writeGenerationConfig(Path out, Qwen3NextConfig cfg) throws IOException {
        ObjectNode g = JSON.createObjectNode();
        g.put("bos_token_id", cfg.bosTokenId());
        g.put("do_sample", true);
        var eos = g.putArray("eos_token_id");
        cfg.eosTokenIds().forEach(eos::add);
        if (!cfg.eosTokenIds().contains(cfg.bosTokenId())) {
            eos.add(cfg.bosTokenId());
        }
        g.put("pad_token_id", cfg.bosTokenId());
        g.put("temperature", 0.7);
        g.put("top_k", 20);
        g.put("top_p", 0.8);
        Files.writeString(out.resolve("generation_config.json"), JSON.writeValueAsString(g));
    }

    private static void copyTokenizer(Path out) throws IOException {
        for (String f : List.of("tokenizer.json", "tokenizer_config.json")) {
            try (InputStream in = Synthesizer.class.getResourceAsStream(TOKENIZER_RESOURCES + f)) {
                if (in == null) {
                    throw new IOException("tokenizer resource " + f + " missing from the classpath");
                }
                Files.copy(in, out.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    /** Fills one tensor in chunks of rows, converting to the file's dtype. */
    private static void fill(SafetensorsWriter w, SafetensorsWriter.Entry e, Qwen3NextConfig cfg, long seed) throws IOException {
        Init init = Init.of(e.name(), e.shape(), cfg);
        SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ e.name().hashCode());
        long n = e.byteSize() / e.dtype().size();
        int chunk = 1 << 20;
        ByteBuffer buf = ByteBuffer.allocate(chunk * e.dtype().size()).order(ByteOrder.LITTLE_ENDIAN);
        long written = 0;
        for (long i = 0; i < n; ) {
            buf.clear();
            int m = (int) Math.min(chunk, n - i);
            for (int j = 0; j < m; j++) {
                float v = init.sample(rnd, i + j);
                if (e.dtype() == DType.F32) {
                    buf.putFloat(v);
                } else {
                    buf.putShort(BF16Matrix.fromFloat(v));
                }
            }
            buf.flip();
            w.write(e.name(), written, buf);
            written += (long) m * e.dtype().size();
            i += m;
        }
    }

    /** The distribution of one tensor's values, chosen from its checkpoint name. */
    private record Init(double center, double halfWidth, boolean logUniform) {
        float sample(SplittableRandom rnd, long index) {
            double u = rnd.nextDouble() * 2 - 1;
            if (logUniform) { // A_log = log(A), A uniform in [center - halfWidth, center + halfWidth]
                return (float) Math.log(center + halfWidth * u);
            }
            return (float) (center + halfWidth * u);
        }

        static Init uniform(double std) {
            return new Init(0, std * Math.sqrt(3), false);
        }

        static Init of(String name, long[] shape, Qwen3NextConfig cfg) {
            double fanIn = shape.length >= 2 ? shape[shape.length - 1] : 1;
            if (name.endsWith("A_log")) {
                return new Init(0.25, 0.2, true);            // A ∈ [0.05, 0.45]: decay e^g ≈ 0.7–0.95
            }
            if (name.endsWith("dt_bias")) {
                return new Init(0, 1, false);
            }
            if (name.endsWith("conv1d.weight")) {
                return uniform(1 / Math.sqrt(cfg.linearConvKernelDim()));
            }
            if (name.endsWith("linear_attn.norm.weight")) {
                return new Init(1, 0.1, false);             // gated norm: plain weight ≈ 1
            }
            if (name.endsWith("norm.weight") || name.endsWith("layernorm.weight")
                    || name.contains("pre_fc_norm")) {
                return new Init(0, 0.1, false);             // zero-centred: (1 + w) ≈ 1
            }
            if (name.equals("model.embed_tokens.weight")) {
                return uniform(1.0);
            }
            if (name.equals("lm_head.weight")) {
                return uniform(2.0 / Math.sqrt(cfg.hiddenSize())); // logits with std ≈ 2
            }
            boolean branchOutput = name.endsWith("out_proj.weight") || name.endsWith("o_proj.weight")
                    || name.endsWith("down_proj.weight");
            return uniform((branchOutput ? 0.5 : 1.0) / Math.sqrt(fanIn));
        }
    }
}
