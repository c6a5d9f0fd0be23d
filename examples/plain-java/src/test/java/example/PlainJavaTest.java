package example;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Runs the example on a real checkpoint: {@code mvn test -Dnextinfer.test.model=/path/to/checkpoint}. */
class PlainJavaTest {
    static Path model() {
        String dir = System.getProperty("nextinfer.test.model", "");
        if (dir.isBlank() || dir.startsWith("${") || !Files.isDirectory(Path.of(dir))) {
            throw new IllegalStateException("set -Dnextinfer.test.model=<checkpoint folder>, e.g. one made by "
                    + "`./nextinfer synth --preset tiny --out /tmp/tiny` (got '" + dir + "')");
        }
        return Path.of(dir);
    }

    @Test
    void generatesAnAnswer() {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            PlainJava.main(new String[] {model().toString(), "Hello!"});
        } finally {
            System.setOut(old);
        }
        String text = out.toString(StandardCharsets.UTF_8);
        System.out.println(text);
        assertTrue(text.matches("(?s).*\\n\\[(LENGTH|STOP), \\d+ tokens, \\d+[.,]\\d tokens/s]\\n"), text);
    }
}
