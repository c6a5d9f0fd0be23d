package dev.nextinfer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** tokenizer.json options Qwen3 does not use but other byte-level BPE files do. */
class PipelineOptionsTest {
    @TempDir
    Path dir;

    private Tokenizer load(ObjectNode json) throws Exception {
        return Tokenizer.fromFiles(TinyTokenizers.write(dir, json), null);
    }

    @Test
    void templateProcessingAddsTokensAroundASingleSequence() throws Exception {
        ObjectNode json = TinyTokenizers.valid();
        ObjectNode post = json.putObject("post_processor");
        post.put("type", "TemplateProcessing");
        ArrayNode single = post.putArray("single");
        single.addObject().putObject("SpecialToken").put("id", "<|end|>").put("type_id", 0);
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        single.addObject().putObject("SpecialToken").put("id", "<|end|>").put("type_id", 0);
        ObjectNode spec = post.putObject("special_tokens").putObject("<|end|>");
        spec.put("id", "<|end|>");
        spec.putArray("ids").add(260);
        spec.putArray("tokens").add("<|end|>");
        Tokenizer t = load(json);
        assertArrayEquals(new int[] {260, 256, 260}, t.encode("he"));
        assertArrayEquals(new int[] {256}, t.encode("he", false));
    }

    @Test
    void normalizerSequenceLowercaseStrip() throws Exception {
        ObjectNode json = TinyTokenizers.valid();
        ObjectNode norm = json.putObject("normalizer");
        norm.put("type", "Sequence");
        ArrayNode steps = norm.putArray("normalizers");
        steps.addObject().put("type", "NFC");
        steps.addObject().put("type", "Lowercase");
        steps.addObject().put("type", "Strip").put("strip_left", true).put("strip_right", true);
        Tokenizer t = load(json);
        assertArrayEquals(t.encode("hello"), t.encode("  HeLLo \u3000"));
    }

    @Test
    void gpt2StyleByteLevelWithPrefixSpaceAndRegex() throws Exception {
        ObjectNode json = TinyTokenizers.valid();
        ObjectNode pre = json.putObject("pre_tokenizer");
        pre.put("type", "ByteLevel");
        pre.put("add_prefix_space", true);
        pre.put("use_regex", true);
        pre.put("trim_offsets", true);
        Tokenizer t = load(json);
        // " hello" -> Ġ hell o ; " world" -> Ġw o r l d
        assertArrayEquals(new int[] {32, 258, 'o', 259, 'o', 'r', 'l', 'd'}, t.encode("hello world"));
    }
}
