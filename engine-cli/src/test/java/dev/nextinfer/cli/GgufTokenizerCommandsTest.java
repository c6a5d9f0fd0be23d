package dev.nextinfer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.core.testing.VocabGguf;
import dev.nextinfer.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * tokenize, detokenize and template with {@code --model FILE.gguf} (the vocabulary GGUF of the Qwen3 tokenizer)
 * give what they give for a folder of the Qwen3 tokenizer files (see {@link TokenizerCommandsTest}). Each run
 * reads the whole vocabulary, so each command runs only a few times, with several inputs at once.
 */
class GgufTokenizerCommandsTest {
    @TempDir
    Path dir;

    private Path file(String name, String content) throws Exception {
        return Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
    }

    private static String gguf(String... args) {
        String[] all = new String[args.length + 2];
        all[0] = args[0];
        all[1] = "--model";
        all[2] = VocabGguf.file().toString();
        System.arraycopy(args, 1, all, 3, args.length - 1);
        CliRunner r = CliRunner.run(all);
        assertEquals(0, r.code(), r.err());
        assertEquals("", r.err());
        return r.out();
    }

    @Test
    void tokenize() throws Exception {
        List<String> texts = List.of("Hello, world!", "", "中", "cafe\u0301 caf\u00e9",
                "<|im_start|>user\n<think>hi</think><|im_end|>[PAD151669]");
        StringBuilder in = new StringBuilder();
        StringBuilder expected = new StringBuilder();
        for (String t : texts) {
            in.append("{\"text\":").append(TokenizerFiles.quote(t)).append("}\n");
            expected.append(Ids.json(Tokenizer.qwen3().encode(t))).append('\n');
        }
        String out = gguf("tokenize", "--jsonl", file("in.jsonl", in.toString()).toString());
        assertEquals(expected.toString(), out);
        assertTrue(out.startsWith("{\"ids\":[9707,11,1879,0]}\n{\"ids\":[]}\n{\"ids\":[15946]}\n"), out);
        assertEquals("{\"ids\":[9707,11,1879,0]}\n", gguf("tokenize", "--text", "Hello, world!"));
    }

    @Test
    void detokenize() {
        assertEquals("<|im_start|>Hello, world!<|im_end|><think>\uFFFD\n", gguf("detokenize", "--ids",
                "151644,9707,11,1879,0,151645,151667,127,198,151700,151935"));
        assertEquals("{\"text\":\"Hello, world!<think>\"}\n", gguf("detokenize", "--ids", "151644,9707,11,1879,0,151645,151667",
                "--skip-special", "--json"));
    }

    @Test
    void template() throws Exception {
        Path m = file("m.json", "[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"Hi!\"}]");
        String expected = "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi!<|im_end|>\n<|im_start|>assistant\n"
                + "<think>\n\n</think>\n\n";
        String out = gguf("template", "--messages", m.toString(), "--add-generation-prompt", "--enable-thinking", "false",
                "--json");
        assertEquals("{\"text\":" + TokenizerFiles.quote(expected) + ","
                + Ids.json(Tokenizer.qwen3().encode(expected)).substring(1) + "\n", out);
        Path tools = file("tools.json", "[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":{}}}]");
        String withTools = gguf("template", "--messages", m.toString(), "--tools", tools.toString());
        assertEquals(Tokenizer.qwen3().chatTemplate().render(objects(m), objects(tools), false, null),
                withTools);
        Path tpl = file("t.jinja", "{{ eos_token }}|{{ pad_token }}|{{ bos_token }}");
        // Qwen's tokenizer_config.json has no bos_token; the GGUF has bos_token_id (from config.json)
        assertEquals("<|im_end|>|<|endoftext|>|<|endoftext|>", gguf("template", "--messages", m.toString(),
                "--chat-template", tpl.toString()));
    }

    @Test
    void brokenGgufIsOneLineError() throws Exception {
        Path bad = file("bad.gguf", "this is a text file, not a GGUF file");
        CliRunner r = CliRunner.run("tokenize", "--model", bad.toString(), "--text", "x");
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().startsWith("nextinfer: error: " + bad + ": not a GGUF file"), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
    }

    /** A JSON file holding an array of objects, as the commands read it. */
    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> objects(Path f) throws Exception {
        return TokenizerFiles.JSON.readValue(f.toFile(), List.class);
    }
}
