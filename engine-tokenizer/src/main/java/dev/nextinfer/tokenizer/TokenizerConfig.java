package dev.nextinfer.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What this engine uses from {@code tokenizer_config.json}: the chat template and the special tokens that
 * Hugging Face passes to it ({@code bos_token}, {@code eos_token}, … as strings, whether written as a string or
 * as an {@code AddedToken} object with {@code content}).
 *
 * @param chatTemplate  the template source, or null; for a list of named templates, the one named "default"
 * @param specialTokens Hugging Face's {@code special_tokens_map}: set tokens only
 */
record TokenizerConfig(String chatTemplate, Map<String, Object> specialTokens) {
    static final TokenizerConfig EMPTY = new TokenizerConfig(null, Map.of());

    private static final String[] SPECIAL_KEYS = {"bos_token", "eos_token", "unk_token", "sep_token", "pad_token",
        "cls_token", "mask_token"};

    static TokenizerConfig read(InputStream in, String file) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(in);
        } catch (JsonProcessingException e) {
            String msg = e.getOriginalMessage() == null ? "" : e.getOriginalMessage().split("\\R", 2)[0];
            String at = e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ")";
            throw new TokenizerException(file + ": $: not valid JSON" + at + ": " + msg, e);
        } catch (IOException e) {
            throw new TokenizerException(file + ": cannot read: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new TokenizerException(file + ": $: expected a JSON object");
        }
        String template = null;
        JsonNode t = root.get("chat_template");
        if (t != null && t.isTextual()) {
            template = t.asText();
        } else if (t != null && t.isArray()) {
            for (int i = 0; i < t.size(); i++) {
                JsonNode e = t.get(i);
                if (!e.path("template").isTextual()) {
                    throw new TokenizerException(file + ": $.chat_template[" + i + "].template: expected a string");
                }
                if (template == null || "default".equals(e.path("name").asText())) {
                    template = e.get("template").asText();
                }
            }
        } else if (t != null && !t.isNull()) {
            throw new TokenizerException(file + ": $.chat_template: expected a string or a list of named templates");
        }
        Map<String, Object> specials = new LinkedHashMap<>();
        for (String key : SPECIAL_KEYS) {
            String v = tokenText(root.get(key), file, "$." + key);
            if (v != null) {
                specials.put(key, v);
            }
        }
        JsonNode extra = root.get("additional_special_tokens");
        if (extra != null && extra.isArray()) {
            List<Object> list = new ArrayList<>();
            for (int i = 0; i < extra.size(); i++) {
                String v = tokenText(extra.get(i), file, "$.additional_special_tokens[" + i + "]");
                if (v != null) {
                    list.add(v);
                }
            }
            specials.put("additional_special_tokens", list);
        }
        return new TokenizerConfig(template, Map.copyOf(specials));
    }

    private static String tokenText(JsonNode n, String file, String path) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isTextual()) {
            return n.asText();
        }
        if (n.isObject() && n.path("content").isTextual()) {
            return n.get("content").asText();
        }
        throw new TokenizerException(file + ": " + path + ": expected a string or an object with \"content\"");
    }

    /** A copy with another chat template (e.g. from a {@code chat_template.jinja} file). */
    TokenizerConfig withChatTemplate(String source) {
        return new TokenizerConfig(source, specialTokens);
    }
}
