package dev.nextinfer.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.core.testing.Compare;
import dev.nextinfer.core.testing.Fixtures;
import dev.nextinfer.core.testing.Npy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** logits / greedy / synth through the command line, against the golden fixtures, and their error paths. */
class ModelCommandsTest {
    @TempDir
    Path dir;

    private static String csv(int[] ids) {
        return Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(","));
    }

    @Test
    void greedyPrintsTheGoldenContinuation() {
        String model = Fixtures.model("tiny-bf16-8l").toString();
        CliRunner r = CliRunner.run("greedy", "--model", model, "--ids", csv(Fixtures.prompt("tiny-bf16-8l", 64)), "--n", "16");
        assertEquals(0, r.code(), r.err());
        assertEquals(Ids.json(Fixtures.greedy("tiny-bf16-8l", 64)), r.out().trim());
    }

    @Test
    void logitsAndMtpLogitsMatchGolden() {
        String name = "tiny-fp8-b32";
        int[] prompt = Fixtures.prompt(name, 7);
        Path out = dir.resolve("l.npy");
        CliRunner r = CliRunner.run("logits", "--model", Fixtures.model(name).toString(), "--ids", csv(prompt), "--out", out.toString(), "--weights", "f32");
        assertEquals(0, r.code(), r.err());
        Npy.Array got = Npy.read(out);
        Npy.Array want = Fixtures.golden(name, 7, "logits");
        assertArrayEquals(want.shape(), got.shape());
        for (int t = 0; t < 7; t++) {
            Compare.assertLogits("row " + t, got.data(), t * 397, want.data(), t * 397, 397);
        }
        Path mtp = dir.resolve("m.npy");
        r = CliRunner.run("logits", "--model", Fixtures.model(name).toString(), "--ids", csv(prompt), "--out", mtp.toString(), "--mtp");
        assertEquals(0, r.code(), r.err());
        Npy.Array gotMtp = Npy.read(mtp);
        Npy.Array wantMtp = Fixtures.golden(name, 7, "mtp_logits");
        for (int t = 0; t < 7; t++) {
            Compare.assertLogits("mtp row " + t, gotMtp.data(), t * 397, wantMtp.data(), t * 397, 397);
        }
    }

    @Test
    void synthTinyPresetLoadsAndRuns() throws Exception {
        Path ckpt = dir.resolve("tiny");
        CliRunner r = CliRunner.run("synth", "--preset", "tiny", "--out", ckpt.toString(), "--seed", "3");
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.exists(ckpt.resolve("tokenizer_config.json")));
        r = CliRunner.run("greedy", "--model", ckpt.toString(), "--ids", "151644,872,198", "--n", "4");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().trim().matches("\\{\"ids\":\\[\\d+,\\d+,\\d+,\\d+]}"), r.out());
    }

    @Test
    void quantizeThenGreedy() {
        Path out = dir.resolve("q8");
        CliRunner r = CliRunner.run("quantize", "--model", Fixtures.model("tiny-f32").toString(), "--weights", "q8_0", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        r = CliRunner.run("greedy", "--model", out.toString(), "--ids", "1,2,3", "--n", "4");
        assertEquals(0, r.code(), r.err());
        CliRunner again = CliRunner.run("greedy", "--model", Fixtures.model("tiny-f32").toString(), "--ids", "1,2,3", "--n", "4", "--weights", "q8_0");
        assertEquals(again.out(), r.out(), "mapped q8_0 = q8_0 quantised at load");
        assertError(CliRunner.run("quantize", "--model", Fixtures.model("tiny-f32").toString(), "--weights", "f32", "--out", out.toString()),
                1, "quantize writes q8_0 or q4_0, not f32");
    }

    @Test
    void benchJsonWithMtp() throws Exception {
        CliRunner r = CliRunner.run("bench", "--model", Fixtures.model("tiny-f32").toString(), "--prompt-tokens", "8",
                "--gen-tokens", "6", "--depth", "100", "--mtp", "2", "--json");
        assertEquals(0, r.code(), r.err());
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out());
        for (String key : new String[] {"prefill_tok_s", "decode_tok_s", "prompt_tokens", "gen_tokens", "depth", "threads",
                "weights", "mtp_decode_tok_s", "mtp_acceptance_rate", "mtp_tokens_per_pass", "mtp_speedup"}) {
            assertTrue(json.has(key), key + " in " + r.out());
        }
        assertEquals(100, json.get("depth").asInt());
        assertTrue(json.get("decode_tok_s").asDouble() > 0 && json.get("mtp_decode_tok_s").asDouble() > 0);
        assertTrue(json.get("mtp_tokens_per_pass").asDouble() >= 1.0);
    }

    @Test
    void benchJsonWithBatch() throws Exception {
        CliRunner r = CliRunner.run("bench", "--model", Fixtures.model("tiny-f32").toString(), "--prompt-tokens", "8",
                "--gen-tokens", "5", "--batch", "3", "--json");
        assertEquals(0, r.code(), r.err());
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out());
        for (String key : new String[] {"prefill_tok_s", "decode_tok_s", "prompt_tokens", "gen_tokens", "depth", "threads",
                "weights", "mtp", "mtp_decode_tok_s", "kv_cache", "kv_bytes", "estimate_bytes", "context", "model",
                "batch", "aggregate_decode_tok_s", "per_sequence_decode_tok_s"}) {
            assertTrue(json.has(key), key + " in " + r.out());
        }
        assertEquals(3, json.get("batch").asInt());
        // the processor the figures hold for: this JVM's vector width, a non-empty description naming it
        assertEquals(jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize(), json.get("vector_bits").asInt(), r.out());
        assertTrue(json.get("cpu").asText().contains(json.get("vector_bits").asInt() + "-bit vectors"), r.out());
        double aggregate = json.get("aggregate_decode_tok_s").asDouble();
        assertTrue(aggregate > 0 && json.get("decode_tok_s").asDouble() > 0, r.out());
        assertEquals(aggregate / 3, json.get("per_sequence_decode_tok_s").asDouble(), 1e-3 + aggregate * 1e-4);

        CliRunner single = CliRunner.run("bench", "--model", Fixtures.model("tiny-f32").toString(), "--prompt-tokens", "8",
                "--gen-tokens", "5", "--json");
        var one = new com.fasterxml.jackson.databind.ObjectMapper().readTree(single.out());
        assertEquals(1, one.get("batch").asInt());
        assertEquals(one.get("decode_tok_s").asDouble(), one.get("aggregate_decode_tok_s").asDouble(), 1e-9);

        CliRunner text = CliRunner.run("bench", "--model", Fixtures.model("tiny-f32").toString(), "--prompt-tokens", "8",
                "--gen-tokens", "3", "--batch", "2");
        assertEquals(0, text.code(), text.err());
        assertTrue(text.out().contains("batch    2 sequences together: "), text.out());
        assertTrue(text.out().contains("\ncpu      "), text.out());

        assertError(CliRunner.run("bench", "--model", Fixtures.model("tiny-f32").toString(), "--batch", "0"), 1,
                "--batch must be 1…64, got 0");
    }

    @Test
    void benchBandwidthPutsTheDecodeBytesAgainstAMeasuredRead() throws Exception {
        String model = Fixtures.model("tiny-f32").toString();
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        CliRunner plain = CliRunner.run("bench", "--model", model, "--prompt-tokens", "8", "--gen-tokens", "4", "--json");
        assertEquals(0, plain.code(), plain.err());
        var p = mapper.readTree(plain.out());
        assertTrue(p.get("decode_bytes_per_token").asDouble() > p.get("kv_bytes").asDouble(), plain.out());
        assertEquals(0, p.get("bandwidth_bytes_per_s").asDouble(), "not measured without --bandwidth");
        assertEquals(0, p.get("decode_bandwidth_fraction").asDouble());

        CliRunner r = CliRunner.run("bench", "--model", model, "--prompt-tokens", "8", "--gen-tokens", "4", "--depth", "300",
                "--bandwidth", "--json");
        assertEquals(0, r.code(), r.err());
        var json = mapper.readTree(r.out());
        double bandwidth = json.get("bandwidth_bytes_per_s").asDouble();
        assertTrue(bandwidth > 1e8, r.out());
        double perToken = json.get("decode_bytes_per_token").asDouble();
        double tokS = json.get("decode_tok_s").asDouble();
        double share = json.get("decode_bandwidth_fraction").asDouble();
        assertEquals(perToken * tokS / bandwidth, share, 1e-4 + share * 1e-3, r.out());
        assertEquals(json.get("kv_bytes").asDouble() * tokS / bandwidth, json.get("kv_read_bandwidth_fraction").asDouble(),
                1e-4 + share * 1e-3, r.out());
        assertTrue(json.get("kv_read_bandwidth_fraction").asDouble() > 0 && json.get("kv_read_bandwidth_fraction").asDouble() < share);

        CliRunner text = CliRunner.run("bench", "--model", model, "--prompt-tokens", "8", "--gen-tokens", "4", "--bandwidth");
        assertEquals(0, text.code(), text.err());
        assertTrue(text.out().contains("\nbus      ") && text.out().contains(" read per token, "), text.out());

        // no room for the probe beside the run's estimate: a one-line error, not an OutOfMemoryError
        long estimate = p.get("estimate_bytes").asLong();
        assertError(CliRunner.run("bench", "--model", model, "--prompt-tokens", "8", "--gen-tokens", "4", "--bandwidth",
                "--max-memory", String.valueOf(estimate + (32L << 20))), 1, "--bandwidth needs 128 MiB of memory beyond the run's estimate");
    }

    @Test
    void benchReportsKvBytesPeakRssAndTheEstimate() throws Exception {
        CliRunner r = CliRunner.run("bench", "--model", Fixtures.model("tiny-f32").toString(), "--prompt-tokens", "8",
                "--gen-tokens", "4", "--depth", "5000", "--kv-cache", "q8_0", "--yarn", "4", "--json");
        assertEquals(0, r.code(), r.err());
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out());
        assertEquals("q8_0", json.get("kv_cache").asText());
        // one attention layer: ceil(5013 / 64) = 79 pages of 2 heads × 2 × (32 × 64 + 2 × 64) bytes
        assertEquals(79L * 2 * 2 * (32 * 64 + 2 * 64), json.get("kv_bytes").asLong());
        assertTrue(json.get("peak_rss_bytes").asLong() >= 0 && json.get("estimate_bytes").asLong() > json.get("kv_bytes").asLong());
        assertTrue(json.get("memory_limit_bytes").asLong() > 0);
    }

    @Test
    void memoryAndContextErrorsAreOneLine() {
        String model = Fixtures.model("tiny-f32").toString();
        assertError(CliRunner.run("bench", "--model", model, "--prompt-tokens", "8", "--gen-tokens", "4", "--depth", "200000",
                "--max-memory", "300m"), 1, "positions needs");
        assertError(CliRunner.run("bench", "--model", model, "--prompt-tokens", "8", "--gen-tokens", "4", "--depth", "262140"),
                1, "exceeds the model's max_position_embeddings (262144)");
        assertError(CliRunner.run("greedy", "--model", Fixtures.model("tiny-bf16-8l").toString(), "--ids", "1", "--kv-cache", "q8_0"),
                1, "head_dim is 24");
        assertError(CliRunner.run("greedy", "--model", model, "--ids", "1", "--kv-cache", "q5"), 2, "expected f32, f16, q8_0 or q4_0");
        assertError(CliRunner.run("greedy", "--model", model, "--ids", "1", "--max-memory", "lots"), 2, "expected a size");
        assertError(CliRunner.run("greedy", "--model", model, "--ids", "1", "--yarn", "0.5"), 1, "--yarn must be ≥ 1");
    }

    @Test
    void errorsAreOneLineWithExitCodes() {
        String model = Fixtures.model("tiny-f32").toString();
        assertError(CliRunner.run("greedy", "--model", model, "--ids", "1,x"), 1, "--ids: entry 2 'x' is not an integer token id");
        assertError(CliRunner.run("greedy", "--model", model, "--ids", "1,512"), 1, "token id 512 at index 1 is outside the vocabulary [0, 512)");
        assertError(CliRunner.run("greedy", "--model", dir.resolve("none").toString(), "--ids", "1"), 1, "no such file or folder");
        assertError(CliRunner.run("greedy", "--ids", "1"), 2, "Missing required option: '--model=PATH'");
        assertError(CliRunner.run("greedy", "--model", model, "--ids", "1", "--weights", "q3"), 2, "unknown weight format 'q3'");
        assertError(CliRunner.run("synth", "--preset", "huge", "--out", dir.toString()), 1, "unknown preset 'huge'");
        assertError(CliRunner.run("frobnicate"), 2, "Unmatched argument");
    }

    private static void assertError(CliRunner r, int code, String text) {
        assertEquals(code, r.code(), r.err());
        String[] lines = r.err().strip().split("\\R");
        assertEquals(1, lines.length, "one line: " + r.err());
        assertTrue(lines[0].startsWith("nextinfer: error: ") && lines[0].contains(text), lines[0]);
    }
}
