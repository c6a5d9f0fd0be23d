package dev.nextinfer.tokenizer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads {@code tokenizer.json} (the Hugging Face {@code tokenizers} serialization). The large parts (the vocab
 * and merges, 11 MB for Qwen3) are streamed straight into maps; the small sections are read as trees. Every
 * problem becomes a {@link TokenizerException} whose one-line message starts with the file name and the JSON
 * path of the offending value, e.g. {@code tokenizer.json: $.model.merges[7]: token "xyz" is not in
 * $.model.vocab}.
 */
final class TokenizerJson {
    /**
     * Vocab keys arrive as field names: 151k unique ones, so Jackson's field-name interning and canonicalizing
     * would only cost time (and its intern cache keeps flushing itself).
     */
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
            .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
            .build();
    private static final ObjectMapper MAPPER = new ObjectMapper(FACTORY);

    /** The raw content: sections as trees, vocab and merges as parsed collections. */
    record Raw(JsonNode addedTokens, JsonNode normalizer, JsonNode preTokenizer, JsonNode postProcessor,
               JsonNode decoder, JsonNode modelFields, Map<String, Integer> vocab, List<String[]> merges,
               boolean hasModel, boolean hasVocab, boolean hasMerges, TokenizerException vocabError) {
    }

    private final String file;

    /** A reader whose error messages name {@code file}. */
    TokenizerJson(String file) {
        this.file = file;
    }

    TokenizerException error(String path, String msg) {
        return new TokenizerException(file + ": " + path + ": " + msg);
    }

    /** Parses the stream. */
    Raw read(InputStream in) {
        try (JsonParser p = FACTORY.createParser(in)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw error("$", "expected a JSON object");
            }
            JsonNode added = null;
            JsonNode normalizer = null;
            JsonNode pre = null;
            JsonNode post = null;
            JsonNode decoder = null;
            ModelPart model = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "added_tokens" -> added = p.readValueAsTree();
                    case "normalizer" -> normalizer = p.readValueAsTree();
                    case "pre_tokenizer" -> pre = p.readValueAsTree();
                    case "post_processor" -> post = p.readValueAsTree();
                    case "decoder" -> decoder = p.readValueAsTree();
                    case "model" -> model = readModel(p);
                    default -> p.skipChildren();
                }
            }
            if (p.nextToken() != null) {
                throw error("$", "unexpected content after the top-level object");
            }
            if (model == null) {
                return new Raw(added, normalizer, pre, post, decoder, null, Map.of(), List.of(), false, false, false,
                        null);
            }
            return new Raw(added, normalizer, pre, post, decoder, model.fields, model.vocab, model.merges, true,
                    model.hasVocab, model.hasMerges, model.vocabError);
        } catch (JsonProcessingException e) {
            throw notJson(e);
        } catch (IOException e) {
            throw new TokenizerException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    private TokenizerException notJson(JsonProcessingException e) {
        JsonLocation loc = e.getLocation();
        String where = "";
        if (e.getProcessor() instanceof JsonParser jp) {
            where = pathOf(jp.getParsingContext()) + ": ";
        }
        String msg = e.getOriginalMessage() == null ? "" : e.getOriginalMessage().split("\\R", 2)[0];
        String at = loc == null ? "" : " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
        return new TokenizerException(file + ": " + where + "not valid JSON" + at + ": " + msg, e);
    }

    /** The JSONPath of a parser position, e.g. {@code $.model.vocab}. */
    private static String pathOf(JsonStreamContext ctx) {
        List<String> parts = new ArrayList<>();
        for (JsonStreamContext c = ctx; c != null && !c.inRoot(); c = c.getParent()) {
            if (c.inArray()) {
                parts.add(0, "[" + Math.max(0, c.getCurrentIndex()) + "]");
            } else if (c.getCurrentName() != null) {
                parts.add(0, "." + c.getCurrentName());
            }
        }
        return "$" + String.join("", parts);
    }

    private static final class ModelPart {
        final com.fasterxml.jackson.databind.node.ObjectNode fields = MAPPER.createObjectNode();
        Map<String, Integer> vocab = new HashMap<>(1 << 18);
        List<String[]> merges = new ArrayList<>(1 << 17);
        boolean hasVocab;
        boolean hasMerges;
        /** A vocab of the wrong shape: reported after the model type (another model type has another shape). */
        TokenizerException vocabError;
    }

    private ModelPart readModel(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            if (p.currentToken() == JsonToken.VALUE_NULL) {
                return null;
            }
            throw error("$.model", "expected an object, got " + describe(p.currentToken()));
        }
        ModelPart m = new ModelPart();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken t = p.nextToken();
            switch (field) {
                case "vocab" -> {
                    m.hasVocab = true;
                    if (t == JsonToken.START_OBJECT) {
                        readVocab(p, t, m.vocab);
                    } else {
                        m.vocabError = error("$.model.vocab", "expected an object of token → id, got " + describe(t));
                        p.skipChildren();
                    }
                }
                case "merges" -> {
                    m.hasMerges = true;
                    readMerges(p, t, m.merges);
                }
                default -> m.fields.set(field, p.readValueAsTree());
            }
        }
        return m;
    }

    private void readVocab(JsonParser p, JsonToken t, Map<String, Integer> vocab) throws IOException {
        if (t != JsonToken.START_OBJECT) {
            throw error("$.model.vocab", "expected an object of token → id, got " + describe(t));
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String token = p.currentName();
            JsonToken v = p.nextToken();
            if (v != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                    || p.getLongValue() < 0 || p.getLongValue() > Integer.MAX_VALUE) {
                throw error("$.model.vocab[" + quote(token) + "]", "expected a non-negative integer id, got "
                        + describe(v));
            }
            vocab.put(token, p.getIntValue());
        }
    }

    private void readMerges(JsonParser p, JsonToken t, List<String[]> merges) throws IOException {
        if (t != JsonToken.START_ARRAY) {
            throw error("$.model.merges", "expected an array, got " + describe(t));
        }
        int i = 0;
        for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken(), i++) {
            String path = "$.model.merges[" + i + "]";
            if (e == JsonToken.VALUE_STRING) {
                // legacy form "a b"
                String s = p.getText();
                int sp = s.indexOf(' ');
                if (sp < 0 || s.indexOf(' ', sp + 1) >= 0) {
                    throw error(path, "expected two tokens separated by one space, got " + quote(s));
                }
                merges.add(new String[] {s.substring(0, sp), s.substring(sp + 1)});
            } else if (e == JsonToken.START_ARRAY) {
                String[] pair = new String[2];
                int k = 0;
                for (JsonToken x = p.nextToken(); x != JsonToken.END_ARRAY; x = p.nextToken(), k++) {
                    if (x != JsonToken.VALUE_STRING || k >= 2) {
                        throw error(path, "expected a pair of token strings");
                    }
                    pair[k] = p.getText();
                }
                if (k != 2) {
                    throw error(path, "expected a pair of token strings");
                }
                merges.add(pair);
            } else {
                throw error(path, "expected a pair of token strings, got " + describe(e));
            }
        }
    }

    static String describe(JsonToken t) {
        if (t == null) {
            return "nothing";
        }
        return switch (t) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> t.toString();
        };
    }

    /** A token or string for a message: JSON-quoted so control characters and spaces are visible. */
    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7F) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }
}
