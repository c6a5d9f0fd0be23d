package dev.nextinfer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading a model folder: config optional, chat_template.jinja taking precedence as in transformers. */
class LoadTest {
    @TempDir
    Path dir;

    @Test
    void folderWithoutConfigHasNoTemplate() throws Exception {
        TinyTokenizers.write(dir, TinyTokenizers.valid());
        Tokenizer t = Tokenizer.load(dir);
        assertNull(t.chatTemplate());
        assertEquals(true, t.eosToken().isEmpty());
        assertArrayEquals(new int[] {256}, t.encode("he"));
    }

    @Test
    void chatTemplateJinjaOverridesTheConfig() throws Exception {
        TinyTokenizers.write(dir, TinyTokenizers.valid());
        TinyTokenizers.write(dir, "tokenizer_config.json",
                "{\"chat_template\": \"config:{{ messages|length }}\", \"eos_token\": {\"content\": \"<|end|>\"}}");
        List<Map<String, Object>> msgs = List.of(Map.of("role", "user", "content", "x"));
        assertEquals("config:1", Tokenizer.load(dir).chatTemplate().render(msgs, null, false, null));
        TinyTokenizers.write(dir, "chat_template.jinja", "file:{{ eos_token }}\n");
        Tokenizer t = Tokenizer.load(dir);
        assertEquals("file:<|end|>", t.chatTemplate().render(msgs, null, false, null));
        assertEquals("<|end|>", t.eosToken().orElseThrow());
    }

    @Test
    void namedTemplatesPickDefault() throws Exception {
        TinyTokenizers.write(dir, TinyTokenizers.valid());
        TinyTokenizers.write(dir, "tokenizer_config.json", "{\"chat_template\": [{\"name\": \"tool_use\", \"template\": \"T\"},"
                + " {\"name\": \"default\", \"template\": \"D\"}]}");
        assertEquals("D", Tokenizer.load(dir).chatTemplate().render(List.of(), null, false, null));
    }

    @Test
    void bundledQwen3IsShared() {
        assertEquals(true, Tokenizer.qwen3() == Tokenizer.qwen3());
    }
}
