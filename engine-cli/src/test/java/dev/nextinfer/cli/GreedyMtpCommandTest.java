package dev.nextinfer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.core.testing.CheckpointEditor;
import dev.nextinfer.core.testing.Fixtures;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code greedy --mtp K}: the same ids as plain greedy, statistics on stderr, one-line errors. */
class GreedyMtpCommandTest {
    private static final String MODEL = "tiny-bf16-8l";

    private static String csv(int[] ids) {
        return Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(","));
    }

    @ParameterizedTest(name = "--mtp {0}")
    @ValueSource(ints = {1, 2, 4})
    void speculativeGreedyPrintsTheGoldenContinuation(int k) {
        CliRunner r = CliRunner.run("greedy", "--model", Fixtures.model(MODEL).toString(),
                "--ids", csv(Fixtures.prompt(MODEL, 200)), "--n", "16", "--mtp", Integer.toString(k));
        assertEquals(0, r.code(), r.err());
        assertEquals(Ids.json(Fixtures.greedy(MODEL, 200)), r.out().trim());
        assertTrue(r.err().contains("mtp " + k + ": passes "), r.err());
        assertTrue(r.err().contains("tokens/pass"), r.err());
    }

    @Test
    void badKAndMissingHeadAreOneLineErrors(@TempDir Path dir) throws Exception {
        String model = Fixtures.model("tiny-f32").toString();
        assertError(CliRunner.run("greedy", "--model", model, "--ids", "1,2", "--mtp", "5"), "--mtp must be 0 (off) to 4, got 5");
        assertError(CliRunner.run("greedy", "--model", model, "--ids", "1,2", "--mtp", "-1"), "--mtp must be 0 (off) to 4, got -1");
        Path noMtp = CheckpointEditor.from(Fixtures.model("tiny-f32")).drop(n -> n.startsWith("mtp.")).writeTo(dir.resolve("nomtp"));
        assertError(CliRunner.run("greedy", "--model", noMtp.toString(), "--ids", "1,2", "--mtp", "2"), "--mtp needs the checkpoint's MTP head");
        CliRunner plain = CliRunner.run("greedy", "--model", noMtp.toString(), "--ids", "1,2", "--n", "3");
        assertEquals(0, plain.code(), "without --mtp the head is not needed: " + plain.err());
    }

    private static void assertError(CliRunner r, String text) {
        assertEquals(1, r.code(), r.err());
        String[] lines = r.err().strip().split("\\R");
        assertEquals(1, lines.length, "one line: " + r.err());
        assertTrue(lines[0].startsWith("nextinfer: error: ") && lines[0].contains(text), lines[0]);
    }
}
