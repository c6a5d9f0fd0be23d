package dev.nextinfer.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The visible golden cases ({@code golden/qwen3-golden-visible.jsonl}, answered by Rust tokenizers 0.22). */
final class Goldens {
    static final ObjectMapper JSON = new ObjectMapper();
    private static List<JsonNode> all;

    private Goldens() {
    }

    static synchronized List<JsonNode> all() {
        if (all == null) {
            List<JsonNode> rows = new ArrayList<>();
            try (InputStream in = Goldens.class.getResourceAsStream("/golden/qwen3-golden-visible.jsonl");
                 BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (!line.isBlank()) {
                        rows.add(JSON.readTree(line));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            all = rows;
        }
        return all;
    }

    static List<JsonNode> ofKind(String kind) {
        return all().stream().filter(n -> n.get("kind").asText().equals(kind)).toList();
    }

    static int[] ids(JsonNode n) {
        JsonNode a = n.get("ids");
        int[] ids = new int[a.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = a.get(i).asInt();
        }
        return ids;
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> list(JsonNode n) {
        return n == null || n.isNull() ? null : JSON.convertValue(n, List.class);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(JsonNode n) {
        return n == null || n.isNull() ? null : JSON.convertValue(n, Map.class);
    }
}
