package dev.nextinfer.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nextinfer.core.config.Qwen3NextConfig;
import dev.nextinfer.tokenizer.ChatTemplate;
import dev.nextinfer.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The text side of a loaded checkpoint: its tokenizer (loaded on first use), the end-of-sequence ids and the
 * sampling defaults of {@code generation_config.json}.
 */
final class TextSupport {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final Qwen3NextConfig config;
    private final java.util.function.Supplier<Tokenizer> loader;
    private final Path generationConfigFile;
    private volatile Tokenizer tokenizer;
    private volatile Set<Integer> stopIds;
    private volatile GenerationConfig defaults;

    TextSupport(Path dir, Qwen3NextConfig config, java.util.function.Supplier<Tokenizer> loader, Path generationConfigFile) {
        this.dir = dir;
        this.config = config;
        this.loader = loader;
        this.generationConfigFile = generationConfigFile;
    }

    Tokenizer tokenizer() {
        Tokenizer t = tokenizer;
        if (t == null) {
            synchronized (this) {
                t = tokenizer;
                if (t == null) {
                    tokenizer = t = loader.get();
                }
            }
        }
        return t;
    }

    ChatTemplate chatTemplate() {
        ChatTemplate t = tokenizer().chatTemplate();
        if (t == null) {
            throw new NextInferException(dir + ": the tokenizer has no chat template (tokenizer_config.json"
                    + " \"chat_template\", chat_template.jinja or GGUF tokenizer.chat_template); use raw completion instead");
        }
        return t;
    }

    /**
     * Token ids that end generation: {@code eos_token_id} of config.json and generation_config.json, plus
     * {@code <|im_end|>} and {@code <|endoftext|>} when the tokenizer has them.
     */
    Set<Integer> stopTokenIds() {
        Set<Integer> s = stopIds;
        if (s == null) {
            Set<Integer> ids = new LinkedHashSet<>(config.eosTokenIds());
            JsonNode g = generationConfig();
            JsonNode eos = g == null ? null : g.get("eos_token_id");
            if (eos != null && eos.isInt()) {
                ids.add(eos.asInt());
            } else if (eos != null && eos.isArray()) {
                eos.forEach(e -> ids.add(e.asInt()));
            }
            Tokenizer t = tokenizer();
            for (String name : new String[] {"<|im_end|>", "<|endoftext|>"}) {
                t.tokenId(name).ifPresent(ids::add);
            }
            t.eosToken().flatMap(e -> {
                var id = t.tokenId(e);
                return id.isPresent() ? java.util.Optional.of(id.getAsInt()) : java.util.Optional.empty();
            }).ifPresent(ids::add);
            ids.removeIf(id -> id < 0 || id >= config.vocabSize());
            stopIds = s = Set.copyOf(ids);
        }
        return s;
    }

    /** Sampling settings of generation_config.json (greedy when absent or {@code do_sample} is false). */
    GenerationConfig generationDefaults() {
        GenerationConfig d = defaults;
        if (d == null) {
            GenerationConfig.Builder b = GenerationConfig.builder();
            JsonNode g = generationConfig();
            if (g != null && g.path("do_sample").asBoolean(false)) {
                b.temperature(number(g, "temperature", 1.0));
                b.topK(g.path("top_k").asInt(0));
                b.topP(number(g, "top_p", 1.0));
                b.minP(number(g, "min_p", 0.0));
            }
            if (g != null) {
                b.repetitionPenalty(number(g, "repetition_penalty", 1.0));
            }
            try {
                defaults = d = b.build();
            } catch (NextInferException e) {
                throw new NextInferException(generationConfigFile + ": " + e.getMessage(), e);
            }
        }
        return d;
    }

    private static double number(JsonNode g, String field, double dflt) {
        JsonNode n = g.get(field);
        return n != null && n.isNumber() ? n.asDouble() : dflt;
    }

    private JsonNode generationConfig() {
        Path f = generationConfigFile;
        if (f == null) {
            return null;
        }
        try {
            return JSON.readTree(f.toFile());
        } catch (IOException e) {
            throw new NextInferException(f + ": not valid JSON: " + e.getMessage().split("\\R", 2)[0], e);
        }
    }
}
