package dev.nextinfer.cli;

import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.server.OpenAiServer;
import dev.nextinfer.server.ServerConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.BindException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code serve}: the options of engine-server's {@link OpenAiServer}, the model load, a log line per request. */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Serves the model over an OpenAI-compatible HTTP API: GET /v1/models, POST /v1/chat/completions, "
                + "POST /v1/completions (both with \"stream\": true as server-sent events), GET /health, GET /metrics "
                + "(Prometheus). Logs one line per request to stderr. Runs until interrupted (Ctrl-C). See docs/server.md.")
final class ServeCommand implements Callable<Integer> {
    /** The environment variable read for the API key when {@code --api-key} is not given. */
    static final String API_KEY_ENV = "NEXTINFER_API_KEY";

    /** Tests: told where the server listens, with a handle that stops it (and makes the command return). */
    static volatile Consumer<Running> onStarted;

    /** A started server: its address and how to stop it. */
    record Running(java.net.InetSocketAddress address, AutoCloseable stop) {
    }

    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--host", defaultValue = ServerConfig.DEFAULT_HOST, paramLabel = "ADDR",
            description = "Address to listen on; 0.0.0.0 exposes the server to the network: set --api-key then (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "8080", paramLabel = "PORT", description = "Port, 0 = any free port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--api-key", paramLabel = "KEY",
            description = {"Require 'Authorization: Bearer KEY' on every endpoint but /health (default: $" + API_KEY_ENV + ", else no key).",
                    "@FILE reads the key from FILE (first line), keeping it out of the process list."})
    String apiKey;

    @Option(names = "--model-name", paramLabel = "NAME",
            description = "Model id in /v1/models and the requests' \"model\" field (default: the --model folder's name).")
    String modelName;

    @Option(names = "--parallel", defaultValue = "1", paramLabel = "N",
            description = {"Generations that run at once: their decode steps share forward passes (continuous batching,",
                    "up to 16 per pass), each with the result it gets alone (default: ${DEFAULT-VALUE})."})
    int parallel;

    @Option(names = "--max-queue", defaultValue = "16", paramLabel = "N",
            description = "Requests that may wait for a free slot; more get HTTP 429 (default: ${DEFAULT-VALUE}).")
    int maxQueue;

    @Option(names = "--max-body", defaultValue = "8388608", paramLabel = "BYTES",
            description = "Largest request body; larger gets HTTP 413 (default: ${DEFAULT-VALUE} = 8 MiB).")
    long maxBody;

    @Option(names = "--default-max-tokens", defaultValue = "0", paramLabel = "N",
            description = "max_tokens for requests that give none; 0 = the rest of the context (default: ${DEFAULT-VALUE}).")
    int defaultMaxTokens;

    @Option(names = "--context", paramLabel = "N", defaultValue = "0",
            description = {"Context length in tokens (prompt + answer), checked against memory at load; 0 = the model's limit",
                    "(max_position_embeddings, or F × that with --yarn F) or as much of it as fits in memory (default: ${DEFAULT-VALUE})."})
    int context;

    @Option(names = "--mtp", defaultValue = "0", paramLabel = "K",
            description = "Speculative decoding with the MTP head: draft K tokens per step, 1…4; 0 = off (default: ${DEFAULT-VALUE}).")
    int mtp;

    @Override
    public Integer call() throws InterruptedException {
        if (mtp < 0 || mtp > 4) {
            throw new CliException("--mtp must be 0…4, got " + mtp);
        }
        if (port < 0 || port > 65535) {
            throw new CliException("--port must be in 0…65535, got " + port);
        }
        if (parallel < 1) {
            throw new CliException("--parallel must be ≥ 1, got " + parallel);
        }
        if (maxQueue < 0) {
            throw new CliException("--max-queue must be ≥ 0, got " + maxQueue);
        }
        if (maxBody < 1) {
            throw new CliException("--max-body must be ≥ 1, got " + maxBody);
        }
        if (defaultMaxTokens < 0 || context < 0) {
            throw new CliException("--default-max-tokens and --context must be ≥ 0");
        }
        String key = apiKey();
        PrintWriter err = spec.commandLine().getErr();
        Qwen3Next model = modelOptions.load(b -> b.contextLength(context));
        ModelOptions.note(model, err);
        String name = modelName != null ? modelName : ModelOptions.modelId(modelOptions.model);
        OpenAiServer server;
        try {
            model.tokenizer(); // fail now, not on the first request, when the folder has no tokenizer
            if (mtp > 0 && !model.hasMtp()) {
                throw new CliException("--mtp needs the checkpoint's MTP head: " + model.mtpNote());
            }
            server = OpenAiServer.builder(model)
                    .config(ServerConfig.builder().host(host).port(port).modelName(name).parallel(parallel).maxQueue(maxQueue)
                            .maxBodyBytes(maxBody).defaultMaxTokens(defaultMaxTokens).mtpDraftTokens(mtp).apiKey(key).build())
                    .log(r -> line(err, "nextinfer: " + r))
                    .warnings(w -> line(err, "nextinfer: warning: " + w))
                    .build();
        } catch (BindException e) {
            model.close();
            throw new CliException("cannot listen on " + host + ":" + port + ": " + e.getMessage());
        } catch (IOException e) {
            model.close();
            throw new CliException("cannot start the server on " + host + ":" + port + ": " + e.getMessage());
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        AutoCloseable stop = () -> {
            if (stopped.getCount() > 0) {
                server.close();
                model.close();
                stopped.countDown();
            }
        };
        Thread hook = new Thread(() -> {
            try {
                stop.close();
            } catch (Exception ignored) {
                // exiting anyway
            }
        }, "nextinfer-serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        server.start();
        var addr = server.address();
        line(err, "nextinfer: serving " + name + " on http://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + addr.getPort()
                + "/v1 (context " + model.contextLength() + " tokens, " + parallel + " parallel, queue " + maxQueue
                + (key != null ? ", API key required" : "") + ")");
        Consumer<Running> hookForTests = onStarted;
        if (hookForTests != null) {
            hookForTests.accept(new Running(addr, stop));
        }
        stopped.await();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running
        }
        return 0;
    }

    /** {@code --api-key KEY}, {@code --api-key @FILE}, else {@code $NEXTINFER_API_KEY}; null for none. */
    private String apiKey() {
        String k = apiKey != null ? apiKey : System.getenv(API_KEY_ENV);
        if (k != null && k.startsWith("@")) {
            Path f = Path.of(k.substring(1));
            try {
                k = Files.readAllLines(f, StandardCharsets.UTF_8).stream().findFirst().orElse("").strip();
            } catch (IOException e) {
                throw new CliException("--api-key @" + f + ": cannot read the key file: " + e.getMessage());
            }
            if (k.isEmpty()) {
                throw new CliException("--api-key @" + f + ": the key file is empty");
            }
        } else if (apiKey != null && apiKey.isBlank()) {
            throw new CliException("--api-key must not be empty");
        }
        return k == null || k.isBlank() ? null : k.strip();
    }

    private static void line(PrintWriter err, String s) {
        synchronized (err) {
            err.println(s);
            err.flush();
        }
    }
}
