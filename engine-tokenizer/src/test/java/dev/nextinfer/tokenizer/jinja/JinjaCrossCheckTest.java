package dev.nextinfer.tokenizer.jinja;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Templates rendered by Python Jinja2 3.1 in Hugging Face's environment (tools/gen_jinja_cases.py wrote the
 * expected outputs): our interpreter must give the same text, and fail where Jinja2 fails.
 */
class JinjaCrossCheckTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Stream<Arguments> cases() throws IOException {
        try (InputStream in = JinjaCrossCheckTest.class.getResourceAsStream("/jinja/jinja-cases.json")) {
            JsonNode all = JSON.readTree(in);
            List<Arguments> out = new ArrayList<>();
            all.forEach(c -> out.add(Arguments.of(Named.of(c.get("name").asText(), c))));
            return out.stream();
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    @SuppressWarnings("unchecked")
    void matchesPythonJinja2(JsonNode c) {
        Map<String, Object> vars = JSON.convertValue(c.get("vars"), Map.class);
        String source = c.get("template").asText();
        if (c.has("expected")) {
            assertEquals(c.get("expected").asText(), JinjaTemplate.parse(source).render(vars));
        } else {
            TemplateException e = assertThrows(TemplateException.class,
                    () -> JinjaTemplate.parse(source).render(vars));
            assertEquals(-1, e.getMessage().indexOf('\n'), "one-line message: " + e.getMessage());
        }
    }

    /** Jinja2 refuses unknown filters and tests when compiling, even in branches that never run. */
    @org.junit.jupiter.api.Test
    void unknownFiltersAndTestsFailAtParseTime() {
        TemplateException f = assertThrows(TemplateException.class,
                () -> JinjaTemplate.parse("{% if false %}\n{{ x | nosuch }}{% endif %}"));
        assertEquals("chat template line 2: no filter named 'nosuch'", f.getMessage());
        TemplateException t = assertThrows(TemplateException.class,
                () -> JinjaTemplate.parse("{% for m in [] %}{{ m is nosuchtest }}{% endfor %}"));
        assertEquals("chat template line 1: no test named 'nosuchtest'", t.getMessage());
    }
}
