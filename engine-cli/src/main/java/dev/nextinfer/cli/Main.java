package dev.nextinfer.cli;

import dev.nextinfer.core.NextInferException;
import dev.nextinfer.tokenizer.TokenizerException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code nextinfer} command. Every subcommand prints results to stdout, progress and statistics to stderr,
 * and on bad input one line {@code nextinfer: error: …} with a non-zero exit code (1 for bad input, 2 for bad
 * usage, 70 for an internal error).
 */
@Command(name = "nextinfer",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Pure-Java inference engine for Qwen3-Next checkpoints.",
        subcommands = {
                DemoCommand.class,
                GenerateCommand.class,
                ChatCommand.class,
                ServeCommand.class,
                LogitsCommand.class,
                GreedyCommand.class,
                SynthCommand.class,
                BenchCommand.class,
                QuantizeCommand.class,
                TokenizeCommand.class,
                DetokenizeCommand.class,
                TemplateCommand.class,
                CommandLine.HelpCommand.class,
        })
public final class Main implements Runnable {
    /** Exit code for bad input (files, ids, values). */
    public static final int EXIT_BAD_INPUT = 1;
    /** Exit code for bad usage (unknown flag, missing option). */
    public static final int EXIT_USAGE = 2;
    /** Exit code for an unexpected internal error. */
    public static final int EXIT_INTERNAL = 70;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Standard input for interactive commands ({@code chat}); tests pass their own. */
    java.io.InputStream stdin = System.in;

    /** Entry point of the launcher. */
    public static void main(String[] args) {
        int code = run(System.in, new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
        System.exit(code);
    }

    /** Runs a command line with the given streams; returns the exit code (used by tests). */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        return run(System.in, out, err, args);
    }

    /** Runs a command line with the given streams, including standard input; returns the exit code. */
    public static int run(java.io.InputStream in, PrintWriter out, PrintWriter err, String... args) {
        Main main = new Main();
        main.stdin = in;
        CommandLine cl = new CommandLine(main);
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler((ex, a) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println("nextinfer: error: " + oneLine(ex.getMessage()) + " (see '" + c.getCommandSpec().qualifiedName() + " --help')");
            c.getErr().flush();
            return EXIT_USAGE;
        });
        cl.setExecutionExceptionHandler((ex, c, parse) -> {
            if (ex instanceof NextInferException || ex instanceof CliException || ex instanceof TokenizerException) {
                c.getErr().println("nextinfer: error: " + oneLine(ex.getMessage()));
                if (System.getenv("NEXTINFER_DEBUG") != null) {
                    ex.printStackTrace(c.getErr());
                }
                c.getErr().flush();
                return EXIT_BAD_INPUT;
            }
            c.getErr().println("nextinfer: internal error: " + ex + " (set NEXTINFER_DEBUG=1 for the stack trace)");
            if (System.getenv("NEXTINFER_DEBUG") != null) {
                ex.printStackTrace(c.getErr());
            }
            c.getErr().flush();
            return EXIT_INTERNAL;
        });
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) {
            // a last resort: memory is admitted before any compute, so this means an estimate was wrong or the
            // machine's memory went to something else meanwhile
            err.println("nextinfer: error: out of memory (" + oneLine(e.getMessage()) + "): the run needed more than the"
                    + " memory estimate; lower --context or --depth, use --kv-cache q8_0/q4_0 or smaller --weights, or set"
                    + " --max-memory below what this machine has free");
            if (System.getenv("NEXTINFER_DEBUG") != null) {
                e.printStackTrace(err);
            }
            err.flush();
            return EXIT_BAD_INPUT;
        } catch (StackOverflowError | InternalError e) {
            err.println("nextinfer: internal error: " + e + " (set NEXTINFER_DEBUG=1 for the stack trace)");
            if (System.getenv("NEXTINFER_DEBUG") != null) {
                e.printStackTrace(err);
            }
            err.flush();
            return EXIT_INTERNAL;
        }
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*\\R\\s*", " ").trim();
    }

    /** Version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"nextinfer " + (v == null ? "dev" : v) + " (Java " + Runtime.version() + ")"};
        }
    }
}
