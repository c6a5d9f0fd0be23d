package dev.nextinfer.cli;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;

/** Runs the CLI in-process and captures stdout, stderr and the exit code. */
record CliRunner(int code, String out, String err) {

    static CliRunner run(String... args) {
        return runWithInput(new ByteArrayInputStream(new byte[0]), args);
    }

    /** Runs with {@code stdin} as standard input (interactive commands). */
    static CliRunner runWithInput(String stdin, String... args) {
        return runWithInput(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), args);
    }

    static CliRunner runWithInput(InputStream stdin, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(stdin, new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new CliRunner(code, out.toString(), err.toString());
    }
}
