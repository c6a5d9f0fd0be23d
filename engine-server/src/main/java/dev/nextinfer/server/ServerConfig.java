package dev.nextinfer.server;

import java.nio.file.Path;
import java.util.Locale;

/**
 * Settings of an {@link OpenAiServer}. Build with {@link #builder()}; every setting has the {@code serve} command's
 * default.
 *
 * @param host             address to bind (127.0.0.1 by default: local clients only)
 * @param port             port, 0 for any free one
 * @param modelName        the id served in {@code /v1/models} and expected in a request's {@code model}; null = the
 *                         model folder's (or GGUF file's) name
 * @param parallel         generations running at once (≥ 1)
 * @param maxQueue         requests waiting for a slot beyond those (≥ 0); more get 429
 * @param maxBodyBytes     largest request body (≥ 1); larger gets 413
 * @param defaultMaxTokens max tokens when a request gives none; 0 = the rest of the context
 * @param mtpDraftTokens   speculative decoding with the MTP head: tokens drafted per step, 0 = off
 * @param apiKey           the key clients must send as {@code Authorization: Bearer KEY}; null = no key (every client
 *                         that can reach the port is served)
 */
public record ServerConfig(String host, int port, String modelName, int parallel, int maxQueue, long maxBodyBytes,
                           int defaultMaxTokens, int mtpDraftTokens, String apiKey) {

    /** The default address: loopback, reachable from this machine only. */
    public static final String DEFAULT_HOST = "127.0.0.1";

    /** Checks the ranges. */
    public ServerConfig {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("server host must be given");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("server port must be in 0…65535, got " + port);
        }
        if (parallel < 1 || maxQueue < 0 || maxBodyBytes < 1 || defaultMaxTokens < 0 || mtpDraftTokens < 0 || mtpDraftTokens > 4) {
            throw new IllegalArgumentException("bad server config: parallel " + parallel + " (≥ 1), maxQueue " + maxQueue
                    + " (≥ 0), maxBodyBytes " + maxBodyBytes + " (≥ 1), defaultMaxTokens " + defaultMaxTokens
                    + " (≥ 0), mtpDraftTokens " + mtpDraftTokens + " (0…4)");
        }
        if (apiKey != null && apiKey.isEmpty()) {
            apiKey = null;
        }
    }

    /** A builder with the defaults: 127.0.0.1:8080, 1 parallel, queue 16, 8 MiB bodies, no key. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these settings. */
    public Builder toBuilder() {
        return new Builder().host(host).port(port).modelName(modelName).parallel(parallel).maxQueue(maxQueue)
                .maxBodyBytes(maxBodyBytes).defaultMaxTokens(defaultMaxTokens).mtpDraftTokens(mtpDraftTokens).apiKey(apiKey);
    }

    /** Whether clients must send the API key. */
    public boolean requiresKey() {
        return apiKey != null;
    }

    @Override
    public String toString() { // never the key itself
        return String.format(Locale.ROOT, "ServerConfig[host=%s, port=%d, modelName=%s, parallel=%d, maxQueue=%d, maxBodyBytes=%d,"
                        + " defaultMaxTokens=%d, mtpDraftTokens=%d, apiKey=%s]", host, port, modelName, parallel, maxQueue,
                maxBodyBytes, defaultMaxTokens, mtpDraftTokens, apiKey == null ? "none" : "set");
    }

    /**
     * The model id for a checkpoint folder or GGUF file: its name, without {@code .gguf} and a shard suffix
     * ({@code -00001-of-00003}).
     */
    public static String modelId(Path model) {
        String n = String.valueOf(model.toAbsolutePath().normalize().getFileName());
        if (n.toLowerCase(Locale.ROOT).endsWith(".gguf")) {
            n = n.substring(0, n.length() - 5).replaceFirst("-\\d{5}-of-\\d{5}$", "");
        }
        return n;
    }

    /** Builds a {@link ServerConfig}. */
    public static final class Builder {
        private String host = DEFAULT_HOST;
        private int port = 8080;
        private String modelName;
        private int parallel = 1;
        private int maxQueue = 16;
        private long maxBodyBytes = 8L << 20;
        private int defaultMaxTokens;
        private int mtpDraftTokens;
        private String apiKey;

        private Builder() {
        }

        /** Address to bind; {@code 0.0.0.0} exposes the server to the network (set an API key then). */
        public Builder host(String host) {
            this.host = host;
            return this;
        }

        /** Port; 0 picks a free one ({@link OpenAiServer#address()} tells which). */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** The served model id (default: the model folder's name). */
        public Builder modelName(String modelName) {
            this.modelName = modelName;
            return this;
        }

        /** Generations that run at once. */
        public Builder parallel(int parallel) {
            this.parallel = parallel;
            return this;
        }

        /** Requests that may wait for a slot; more get 429. */
        public Builder maxQueue(int maxQueue) {
            this.maxQueue = maxQueue;
            return this;
        }

        /** Largest request body in bytes; larger gets 413. */
        public Builder maxBodyBytes(long maxBodyBytes) {
            this.maxBodyBytes = maxBodyBytes;
            return this;
        }

        /** max_tokens for requests that give none; 0 = the rest of the context. */
        public Builder defaultMaxTokens(int defaultMaxTokens) {
            this.defaultMaxTokens = defaultMaxTokens;
            return this;
        }

        /** Speculative decoding with the MTP head: tokens drafted per step (1…4), 0 = off. */
        public Builder mtpDraftTokens(int mtpDraftTokens) {
            this.mtpDraftTokens = mtpDraftTokens;
            return this;
        }

        /** The key clients must send as {@code Authorization: Bearer KEY}; null or empty = none. */
        public Builder apiKey(String apiKey) {
            this.apiKey = apiKey;
            return this;
        }

        public ServerConfig build() {
            return new ServerConfig(host, port, modelName, parallel, maxQueue, maxBodyBytes, defaultMaxTokens,
                    mtpDraftTokens, apiKey);
        }
    }
}
