package dev.nextinfer.tokenizer.jinja;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.tokenizer.Hostile;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Untrusted templates stay inside the sandbox's bounds (time, steps, loop iterations, value and output sizes,
 * nesting) and fail with a one-line {@link TemplateException} naming the bound; and the template bugs the fuzzer
 * found stay fixed (one test each, named after the input in ChatTemplateFuzzTestInputs/template/).
 */
class TemplateSandboxTest {
    /** Small bounds so that each case trips quickly. */
    private static final JinjaTemplate.Limits SMALL = new JinjaTemplate.Limits(1_000_000, 100_000, 1 << 20, 64, 60_000);

    private static String render(String source) {
        return JinjaTemplate.parse(source).render(Map.of(), SMALL);
    }

    private static String refused(String source) {
        TemplateException e = assertThrows(TemplateException.class, () -> render(source), source);
        Hostile.requireOneLine(e);
        return e.getMessage();
    }

    private static void refusedFor(String source, String bound) {
        String m = refused(source);
        assertTrue(m.contains("sandbox's limit of " + bound), source + " → " + m);
    }

    @Test
    void runawayLoopsStopAtTheIterationOrStepBound() {
        refusedFor("{% for a in range(1000) %}{% for b in range(1000) %}{% endfor %}{% endfor %}", "100000 loop iterations");
        refusedFor("{% for a in range(99999) %}{% set b = a * a * a * a * a * a * a * a * a * a * a * a %}{% endfor %}", "1000000 evaluation steps");
    }

    @Test
    void growingValuesStopAtTheSizeBound() {
        refusedFor("{% set ns = namespace(s='ab') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}", "1048576 characters");
        refusedFor("{{ 'x' * 2000000 }}", "1048576 characters");
        refusedFor("{{ [1, 2] * 9999999 }}", "1048576 characters");
        refusedFor("{{ 'abc'.center(99999999) }}", "1048576 characters");
        refusedFor("{{ '%99999999d' % 1 }}", "1048576 characters");
        refusedFor("{{ '{:>99999999}'.format(1) }}", "1048576 characters");
        refusedFor("{{ 'x'|indent(99999999, true) }}", "1048576 characters");
        refusedFor("{{ ('a' * 1000)|replace('a', 'b' * 5000) }}", "1048576 characters");
        refusedFor("{{ [1]|batch(99999999, 0) }}", "1048576 characters");
        // many values, each allowed, but too much in all
        refusedFor("{% for i in range(40) %}{% set s = 'y' * 1000000 %}{% endfor %}", "16777216 characters (or elements) made in all");
    }

    @Test
    void outputStopsAtTheOutputBound() {
        refusedFor("{% for i in range(5000) %}{{ 'z' * 1000 }}{% endfor %}", "1048576 characters of output");
        // a list holding the same string many times prints huge although it is small
        refusedFor("{% set s = 'w' * 100000 %}{{ [s, s, s, s, s, s, s, s, s, s, s, s, s, s, s] }}", "1048576 characters of output");
    }

    @Test
    void recursionAndSelfReferenceStopAtTheDepthBound() {
        refusedFor("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", "a nesting depth of 64");
        refusedFor("{% set ns = namespace() %}{% set ns.me = ns %}{{ ns }}", "a nesting depth of 64");
        Object deep = "leaf";
        for (int i = 0; i < 10_000; i++) {
            deep = java.util.List.of(deep);
        }
        Map<String, Object> vars = Map.of("data", deep);
        TemplateException json = assertThrows(TemplateException.class, () -> JinjaTemplate.parse("{{ data|tojson }}").render(vars, SMALL));
        assertTrue(json.getMessage().contains("a nesting depth of 64"), json.getMessage());
        TemplateException str = assertThrows(TemplateException.class, () -> JinjaTemplate.parse("{{ data }}").render(vars, SMALL));
        assertTrue(str.getMessage().contains("a nesting depth of 64"), str.getMessage());
    }

    @Test
    void deepSyntaxIsRefusedWhenParsed() {
        TemplateException paren = assertThrows(TemplateException.class, () -> JinjaTemplate.parse("{{ " + "(".repeat(5000) + "1"
                + ")".repeat(5000) + " }}"));
        assertTrue(paren.getMessage().contains("nested more than"), paren.getMessage());
        TemplateException chain = assertThrows(TemplateException.class, () -> JinjaTemplate.parse("{{ 1" + " ~ 1".repeat(20000) + " }}"));
        assertTrue(chain.getMessage().contains("nested more than"), chain.getMessage());
        TemplateException blocks = assertThrows(TemplateException.class, () -> JinjaTemplate.parse("{% if 1 %}".repeat(5000)));
        assertTrue(blocks.getMessage().contains("nested more than"), blocks.getMessage());
        assertEquals("1", render("{{ " + "(".repeat(50) + "1" + ")".repeat(50) + " }}"), "ordinary nesting still works");
    }

    @Test
    void hugeIntegersAreBounded() {
        assertEquals("1" + "0".repeat(100), render("{{ 10 ** 100 }}"));
        assertTrue(refused("{{ 2 ** 100000000 }}").contains("bits"));
        assertTrue(refused("{% set ns = namespace(x=3) %}{% for i in range(40) %}{% set ns.x = ns.x * ns.x %}{% endfor %}")
                .contains("bits"));
        assertEquals("1", render("{{ 1 ** 99999999999999999999999 }}"));
    }

    @Test
    void timeIsBounded() {
        // quadratic work inside a single step (unique over a long list) still stops at the deadline
        JinjaTemplate.Limits fast = new JinjaTemplate.Limits(Long.MAX_VALUE, Long.MAX_VALUE, 1 << 24, 64, 200);
        TemplateException e = assertThrows(TemplateException.class, () -> JinjaTemplate.parse(
                "{% for i in range(99999) %}{{ range(99999)|unique|length }}{% endfor %}").render(Map.of(), fast));
        assertTrue(e.getMessage().contains("200 ms of rendering time"), e.getMessage());
    }

    @Test
    void theDefaultsLeaveRealTemplatesAlone() {
        JinjaTemplate t = JinjaTemplate.parse("{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}");
        StringBuilder big = new StringBuilder();
        java.util.List<Map<String, Object>> messages = new java.util.ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            messages.add(Map.of("role", "user", "content", "message " + i + " " + "x".repeat(200)));
            big.append("<|im_start|>user\nmessage ").append(i).append(' ').append("x".repeat(200)).append("<|im_end|>\n");
        }
        assertEquals(big.toString(), t.render(Map.of("messages", messages)));
    }

    // ---- regressions: each input the fuzzer found, as a named case

    @Test
    void attributeIndexPastLong() {
        assertEquals("", render("{{ 1.1.999999999999999999999999999999999999 }}"), "an undefined attribute prints nothing");
        assertEquals("99999999999999999999999", render("{{ 99999999999999999999999 }}"), "Python ints have no size limit");
    }

    @Test
    void percentWidthPastInt() {
        assertTrue(refused("{{ '%7777777777777777777777776E' % 1.0 }}").contains("sandbox"));
        assertTrue(refused("{{ '%.99999999999f' % 1.0 }}").contains("sandbox"));
        assertEquals("   42", render("{{ '%5d' % 42 }}"));
    }

    @Test
    void emptyListTimesHugeInt() {
        assertEquals("[]", render("{{ [] * 33333333333333333333333333333333333333 }}"));
        assertEquals("", render("{{ '' * 33333333333333333333333333333333333333 }}"));
    }

    @Test
    void roundOfUndefined() {
        assertTrue(refused("{{ 3.q4159|round(2) }}").contains("undefined") || refused("{{ 3.q4159|round(2) }}").contains("attribute"));
        assertTrue(refused("{{ 'x'|round }}").contains("number"));
    }

    @Test
    void hexEscapeWithSign() {
        assertTrue(refused("{{ '\\x-7' }}").contains("escape"));
        assertTrue(refused("{{ '\\U-0000041' }}").contains("escape"));
        assertEquals("A", render("{{ '\\x41' }}"));
    }
}
