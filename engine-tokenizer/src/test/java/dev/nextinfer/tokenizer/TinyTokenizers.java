package dev.nextinfer.tokenizer;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A small, valid byte-level BPE {@code tokenizer.json} built in code, for error and behaviour tests. */
final class TinyTokenizers {
    private TinyTokenizers() {
    }

    /** 256 byte tokens, merges building "hell", "Ġw" and "ll", four added tokens with different flags. */
    static ObjectNode valid() {
        ObjectNode root = Goldens.JSON.createObjectNode();
        root.put("version", "1.0");
        ArrayNode added = root.putArray("added_tokens");
        addToken(added, 260, "<|end|>", true, false, false, false, false);
        addToken(added, 261, "<x>", false, false, true, false, false);
        addToken(added, 262, "[SW]", false, true, false, false, false);
        addToken(added, 263, "<n>", false, false, false, true, true);
        root.putObject("normalizer").put("type", "NFC");
        ObjectNode pre = root.putObject("pre_tokenizer");
        pre.put("type", "Sequence");
        ArrayNode steps = pre.putArray("pretokenizers");
        ObjectNode split = steps.addObject();
        split.put("type", "Split");
        split.putObject("pattern").put("Regex", QwenPreTokenizer.QWEN_PATTERN);
        split.put("behavior", "Isolated");
        split.put("invert", false);
        ObjectNode bl = steps.addObject();
        bl.put("type", "ByteLevel");
        bl.put("add_prefix_space", false);
        bl.put("trim_offsets", false);
        bl.put("use_regex", false);
        root.putObject("post_processor").put("type", "ByteLevel");
        root.putObject("decoder").put("type", "ByteLevel");
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        for (int b = 0; b < 256; b++) {
            vocab.put(String.valueOf(ByteLevel.charOf(b)), b);
        }
        String[][] merges = {{"h", "e"}, {"l", "l"}, {"he", "ll"}, {"Ġ", "w"}};
        ArrayNode m = model.putArray("merges");
        int id = 256;
        for (String[] pair : merges) {
            vocab.put(pair[0] + pair[1], id++);
            m.addArray().add(pair[0]).add(pair[1]);
        }
        return root;
    }

    private static void addToken(ArrayNode list, int id, String content, boolean special, boolean singleWord,
                                 boolean lstrip, boolean rstrip, boolean normalized) {
        ObjectNode t = list.addObject();
        t.put("id", id);
        t.put("content", content);
        t.put("single_word", singleWord);
        t.put("lstrip", lstrip);
        t.put("rstrip", rstrip);
        t.put("normalized", normalized);
        t.put("special", special);
    }

    static Path write(Path dir, String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    static Path write(Path dir, ObjectNode json) throws IOException {
        return write(dir, "tokenizer.json", Goldens.JSON.writeValueAsString(json));
    }
}
