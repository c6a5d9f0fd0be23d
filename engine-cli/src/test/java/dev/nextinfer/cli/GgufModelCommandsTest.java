package dev.nextinfer.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nextinfer.core.testing.Fixtures;
import dev.nextinfer.core.testing.Npy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command contract on GGUF files ({@code models/q3n-256/}, made by llama.cpp): {@code logits} (and
 * {@code --mtp}) give the exact answer for the file's weights within 2e-3, {@code greedy} its exact greedy tokens,
 * {@code greedy --mtp K} the plain greedy tokens; {@code quantize} writes a GGUF that every command loads.
 */
class GgufModelCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Path dir() {
        return Fixtures.root().resolve("models/q3n-256");
    }

    private static Path file(String variant) {
        return dir().resolve(variant).resolve("q3n-256-" + variant + ".gguf");
    }

    private static JsonNode prompt(String variant, int length) throws IOException {
        return JSON.readTree(dir().resolve(variant).resolve("summary.json").toFile()).get("prompts").get("prompt_L" + length);
    }

    private static String csv(JsonNode ids) {
        StringBuilder b = new StringBuilder();
        ids.forEach(n -> b.append(b.isEmpty() ? "" : ",").append(n.asInt()));
        return b.toString();
    }

    private static int[] ints(JsonNode ids) {
        int[] out = new int[ids.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ids.get(i).asInt();
        }
        return out;
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        double max = 0;
        for (int i = 0; i < expected.length; i++) {
            max = Math.max(max, Math.abs((double) expected[i] - actual[i]));
        }
        assertTrue(max <= 2e-3, what + ": max |Δlogit| = " + max);
    }

    @Test
    void logitsAndMtpLogitsAreTheExactAnswer(@TempDir Path tmp) throws IOException {
        JsonNode p = prompt("Q4_K_M", 64);
        Path out = tmp.resolve("l.npy");
        CliRunner r = CliRunner.run("logits", "--model", file("Q4_K_M").toString(), "--ids", csv(p.get("ids")), "--out", out.toString(),
                "--threads", "2");
        assertEquals(0, r.code(), r.err());
        assertClose(Npy.read(dir().resolve("Q4_K_M/exact/prompt_L64.logits.npy")).data(), Npy.read(out).data(), "logits");
        Path mtp = tmp.resolve("m.npy");
        r = CliRunner.run("logits", "--model", file("Q4_K_M").toString(), "--ids", csv(p.get("ids")), "--out", mtp.toString(), "--mtp",
                "--threads", "2");
        assertEquals(0, r.code(), r.err());
        assertClose(Npy.read(dir().resolve("Q4_K_M/exact/prompt_L64.mtp_logits.npy")).data(), Npy.read(mtp).data(), "MTP logits");
    }

    @Test
    void greedyAndSpeculativeGreedyGiveTheExactTokens() throws IOException {
        for (String variant : new String[] {"Q8_0", "Q4_K_M-legacy"}) {
            JsonNode p = prompt(variant, 7);
            CliRunner plain = CliRunner.run("greedy", "--model", file(variant).toString(), "--ids", csv(p.get("ids")), "--n", "16");
            assertEquals(0, plain.code(), plain.err());
            int[] got = ints(JSON.readTree(plain.out()).get("ids"));
            assertArrayEquals(ints(p.get("exact_greedy")), got, variant);
        }
        JsonNode p = prompt("Q6_K", 64);
        CliRunner plain = CliRunner.run("greedy", "--model", file("Q6_K").toString(), "--ids", csv(p.get("ids")), "--n", "16");
        CliRunner spec = CliRunner.run("greedy", "--model", file("Q6_K").toString(), "--ids", csv(p.get("ids")), "--n", "16", "--mtp", "2");
        assertEquals(0, spec.code(), spec.err());
        assertEquals(plain.out(), spec.out());
        assertTrue(spec.err().contains("mtp 2: passes "), spec.err());
    }

    @Test
    void quantizeWritesAGgufThatLoads(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("q3n-256-Q4_K_M.gguf");
        CliRunner q = CliRunner.run("quantize", "--model", dir().resolve("safetensors").toString(), "--weights", "q4_k_m",
                "--out", out.toString(), "--threads", "2");
        assertEquals(0, q.code(), q.err());
        assertTrue(Files.size(out) < Files.size(file("BF16")) / 2, "a 4-bit file");
        CliRunner g = CliRunner.run("greedy", "--model", out.toString(), "--ids", "1,2,3", "--n", "4");
        assertEquals(0, g.code(), g.err());
        CliRunner b = CliRunner.run("bench", "--model", out.toString(), "--prompt-tokens", "16", "--gen-tokens", "4", "--json", "--threads", "2");
        assertEquals(0, b.code(), b.err());
        JsonNode j = JSON.readTree(b.out());
        assertTrue(j.get("prefill_tok_s").asDouble() > 0 && j.get("decode_tok_s").asDouble() > 0, b.out());
    }

    @Test
    void quantizeNoMtpLeavesTheHeadOutAndChangesNothingElse(@TempDir Path tmp) throws IOException {
        Path with = tmp.resolve("with.gguf");
        Path without = tmp.resolve("without.gguf");
        String src = file("BF16").toString();
        assertEquals(0, CliRunner.run("quantize", "--model", src, "--weights", "q8_0", "--out", with.toString(), "--threads", "2").code());
        CliRunner q = CliRunner.run("quantize", "--model", src, "--weights", "q8_0", "--out", without.toString(), "--threads", "2", "--no-mtp");
        assertEquals(0, q.code(), q.err());
        assertTrue(Files.size(without) < Files.size(with), "the MTP block is left out");
        CliRunner a = CliRunner.run("greedy", "--model", with.toString(), "--ids", "1,2,3", "--n", "6");
        CliRunner b = CliRunner.run("greedy", "--model", without.toString(), "--ids", "1,2,3", "--n", "6");
        assertEquals(0, b.code(), b.err());
        assertEquals(a.out(), b.out());
        CliRunner m = CliRunner.run("greedy", "--model", without.toString(), "--ids", "1,2,3", "--n", "2", "--mtp", "1");
        assertEquals(1, m.code(), m.err());
        assertTrue(m.err().strip().lines().count() == 1 && m.err().toLowerCase(java.util.Locale.ROOT).contains("mtp"), m.err());
        CliRunner folder = CliRunner.run("quantize", "--model", dir().resolve("safetensors").toString(), "--weights", "q8_0",
                "--out", tmp.resolve("dir").toString(), "--no-mtp");
        assertEquals(1, folder.code());
        assertTrue(folder.err().contains("--no-mtp applies to GGUF output"), folder.err());
    }

    @Test
    void aMissingFileAndANonGgufFileAreOneLineErrors(@TempDir Path tmp) throws IOException {
        CliRunner r = CliRunner.run("greedy", "--model", tmp.resolve("nope.gguf").toString(), "--ids", "1");
        assertEquals(1, r.code());
        assertTrue(r.err().strip().lines().count() == 1 && r.err().contains("no such file"), r.err());
        Path bogus = tmp.resolve("x.gguf");
        Files.writeString(bogus, "not a gguf at all");
        r = CliRunner.run("logits", "--model", bogus.toString(), "--ids", "1", "--out", tmp.resolve("o.npy").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().strip().lines().count() == 1 && r.err().contains("not a GGUF file"), r.err());
        assertTrue(Arrays.stream(r.err().split("\n")).noneMatch(l -> l.contains("Exception")), r.err());
    }

    static String ids(int[] ids) {
        return Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(","));
    }
}
