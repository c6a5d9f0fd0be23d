package dev.nextinfer.tokenizer.jinja;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.nextinfer.tokenizer.ChatTemplate;
import dev.nextinfer.tokenizer.Hostile;
import dev.nextinfer.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Fuzzes chat templates, which are code inside model files, and the messages they render. A template either fails
 * to parse or render with a one-line {@link TemplateException} — including when it exceeds the sandbox's bounds on
 * time, steps, loop iterations, output and recursion ({@link JinjaTemplate.Limits}) — or renders; messages of any
 * shape rendered by the real Qwen3-Next and Qwen3 templates do the same.
 */
class ChatTemplateFuzzTest {
    /** Tight enough that a fuzzer's runaway loop costs milliseconds, not seconds. */
    private static final JinjaTemplate.Limits LIMITS = new JinjaTemplate.Limits(2_000_000, 200_000, 1 << 20, 128, 2_000);
    private static final Map<String, Object> VARS = variables();
    private static final ChatTemplate[] REAL = {
        ChatTemplate.of(resource("qwen3-next/Qwen3-Next-80B-A3B-Instruct.chat_template.jinja")),
        ChatTemplate.of(resource("qwen3-next/Qwen3-Next-80B-A3B-Thinking.chat_template.jinja")),
        Tokenizer.qwen3().chatTemplate(),
    };

    @FuzzTest
    @DictionaryFile(resourcePath = "/dev/nextinfer/tokenizer/jinja/jinja.dict")
    void template(byte[] data) {
        String source = new String(data, StandardCharsets.UTF_8); // seeds are template files as they are
        JinjaTemplate[] t = {null};
        if (Hostile.survives(() -> t[0] = JinjaTemplate.parse(source), TemplateException.class)) {
            Hostile.survives(() -> t[0].render(VARS, LIMITS), TemplateException.class);
        }
    }

    @FuzzTest
    void messages(FuzzedDataProvider data) {
        ChatTemplate template = REAL[data.consumeInt(0, REAL.length - 1)];
        int n = data.consumeInt(0, 6);
        List<Map<String, Object>> messages = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            messages.add(message(data));
        }
        List<Map<String, Object>> tools = data.consumeBoolean() ? null : List.of(tool(data));
        Map<String, Object> extra = new HashMap<>();
        if (data.consumeBoolean()) {
            extra.put("enable_thinking", value(data, 0));
        }
        boolean generationPrompt = data.consumeBoolean();
        Hostile.survives(() -> template.render(messages, tools, generationPrompt, extra), dev.nextinfer.tokenizer.TokenizerException.class);
    }

    private static final String[] ROLES = {"system", "user", "assistant", "tool", "developer"};

    private static Map<String, Object> message(FuzzedDataProvider data) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", data.consumeInt(0, 5) < 5 ? ROLES[data.consumeInt(0, ROLES.length - 1)] : data.consumeString(8));
        m.put("content", data.consumeInt(0, 4) < 3 ? data.consumeString(64) : value(data, 0));
        if (data.consumeBoolean()) {
            m.put("reasoning_content", data.consumeBoolean() ? data.consumeString(32) : value(data, 0));
        }
        if (data.consumeBoolean()) {
            List<Object> calls = new ArrayList<>();
            for (int k = data.consumeInt(0, 3); k > 0; k--) {
                Map<String, Object> fn = new LinkedHashMap<>();
                fn.put("name", data.consumeBoolean() ? data.consumeString(12) : value(data, 1));
                fn.put("arguments", data.consumeBoolean() ? data.consumeString(32) : value(data, 1));
                calls.add(data.consumeBoolean() ? Map.of("type", "function", "function", fn) : value(data, 1));
            }
            m.put("tool_calls", calls);
        }
        if (data.consumeBoolean()) {
            m.put("tool_call_id", data.consumeString(8));
        }
        return m;
    }

    private static Map<String, Object> tool(FuzzedDataProvider data) {
        Map<String, Object> fn = new LinkedHashMap<>();
        fn.put("name", data.consumeString(12));
        fn.put("description", data.consumeString(24));
        fn.put("parameters", value(data, 0));
        return Map.of("type", "function", "function", fn);
    }

    /** A JSON-like value of any kind, nested a little. */
    private static Object value(FuzzedDataProvider data, int depth) {
        switch (data.consumeInt(0, depth < 3 ? 7 : 4)) {
            case 0 -> {
                return null;
            }
            case 1 -> {
                return data.consumeBoolean();
            }
            case 2 -> {
                return data.consumeLong();
            }
            case 3 -> {
                return data.consumeDouble();
            }
            case 4 -> {
                return data.consumeString(24);
            }
            case 5, 6 -> {
                List<Object> list = new ArrayList<>();
                for (int k = data.consumeInt(0, 3); k > 0; k--) {
                    list.add(value(data, depth + 1));
                }
                return list;
            }
            default -> {
                Map<String, Object> map = new LinkedHashMap<>();
                for (int k = data.consumeInt(0, 3); k > 0; k--) {
                    map.put(data.consumeString(8), value(data, depth + 1));
                }
                return map;
            }
        }
    }

    /** What the fuzzed templates see: a conversation with tools and a tool call, and the special tokens. */
    private static Map<String, Object> variables() {
        Map<String, Object> call = Map.of("type", "function", "id", "call_1",
                "function", Map.of("name", "get_weather", "arguments", Map.of("city", "Paris")));
        List<Map<String, Object>> messages = List.of(
                Map.of("role", "system", "content", "Be brief."),
                Map.of("role", "user", "content", "Weather in Paris?"),
                Map.of("role", "assistant", "content", "", "reasoning_content", "Call the tool.", "tool_calls", List.of(call)),
                Map.of("role", "tool", "content", "18°C", "tool_call_id", "call_1"),
                Map.of("role", "user", "content", List.of(Map.of("type", "text", "text", "Thanks"))));
        Map<String, Object> tool = Map.of("type", "function", "function", Map.of("name", "get_weather",
                "description", "Weather of a city", "parameters", Map.of("type", "object",
                        "properties", Map.of("city", Map.of("type", "string")), "required", List.of("city"))));
        Map<String, Object> vars = new HashMap<>();
        vars.put("messages", messages);
        vars.put("tools", List.of(tool));
        vars.put("add_generation_prompt", true);
        vars.put("enable_thinking", false);
        vars.put("bos_token", "<|bos|>");
        vars.put("eos_token", "<|im_end|>");
        vars.put("documents", null);
        return vars;
    }

    private static String resource(String name) {
        try (InputStream in = Tokenizer.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
