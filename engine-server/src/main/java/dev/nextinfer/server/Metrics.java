package dev.nextinfer.server;

import dev.nextinfer.core.Usage;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The server's counters, rendered in Prometheus' text format ({@code GET /metrics}): requests by endpoint and status,
 * tokens, generation time, generations by finish reason, requests in flight, queue depth, running generations,
 * memory, and the completion tokens per second over the last minute.
 */
final class Metrics {
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private static final long WINDOW_NANOS = 60_000_000_000L;

    private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> finished = new ConcurrentHashMap<>();
    private final LongAdder promptTokens = new LongAdder();
    private final LongAdder cachedTokens = new LongAdder();
    private final LongAdder completionTokens = new LongAdder();
    private final LongAdder prefillNanos = new LongAdder();
    private final LongAdder decodeNanos = new LongAdder();
    private final LongAdder requestNanos = new LongAdder();
    private final LongAdder requestCount = new LongAdder();
    final AtomicInteger inFlight = new AtomicInteger();
    /** (end time, decoded tokens, decode nanos) of the generations that ended in the last minute. */
    private final ArrayDeque<long[]> recent = new ArrayDeque<>();
    private final LongSupplier clock;

    Metrics() {
        this(System::nanoTime);
    }

    Metrics(LongSupplier clock) {
        this.clock = clock;
    }

    /** Counts a finished request; {@code route} is the endpoint's path pattern (bounded set of labels). */
    void request(String route, Outcome o, long nanos) {
        requests.computeIfAbsent(route + '\u0000' + o.status, k -> new LongAdder()).increment();
        requestNanos.add(nanos);
        requestCount.increment();
        Usage u = o.usage;
        if (u != null) {
            promptTokens.add(u.promptTokens());
            cachedTokens.add(u.cachedPromptTokens());
            completionTokens.add(u.completionTokens());
            prefillNanos.add(u.prefillNanos());
            decodeNanos.add(u.decodeNanos());
            finished.computeIfAbsent(o.finishReason, k -> new LongAdder()).increment();
            if (u.completionTokens() >= 2 && u.decodeNanos() > 0) {
                long now = clock.getAsLong();
                synchronized (recent) {
                    recent.addLast(new long[] {now, u.completionTokens() - 1, u.decodeNanos()});
                    expire(now);
                }
            }
        }
    }

    /** Completion tokens per second of decoding, over the generations that ended in the last minute (0 if none). */
    double recentTokensPerSecond() {
        long tokens = 0;
        long nanos = 0;
        synchronized (recent) {
            expire(clock.getAsLong());
            for (long[] r : recent) {
                tokens += r[1];
                nanos += r[2];
            }
        }
        return nanos == 0 ? 0 : tokens / (nanos / 1e9);
    }

    private void expire(long now) {
        while (!recent.isEmpty() && now - recent.peekFirst()[0] > WINDOW_NANOS) {
            recent.removeFirst();
        }
    }

    /** Gauges read when scraped. */
    record Gauges(int queueDepth, int queueLimit, int running, int parallel, long memoryReserved, long memoryLimit) {
    }

    String render(Gauges g) {
        StringBuilder sb = new StringBuilder(2048);
        header(sb, "nextinfer_requests_total", "counter", "HTTP requests answered, by endpoint and status");
        new TreeMap<>(requests).forEach((k, v) -> {
            int sep = k.indexOf('\u0000');
            sb.append("nextinfer_requests_total{path=\"").append(k, 0, sep).append("\",status=\"")
                    .append(k.substring(sep + 1)).append("\"} ").append(v.sum()).append('\n');
        });
        header(sb, "nextinfer_request_duration_seconds", "summary", "Time from a request's arrival to its end");
        sb.append("nextinfer_request_duration_seconds_sum ").append(seconds(requestNanos.sum())).append('\n');
        sb.append("nextinfer_request_duration_seconds_count ").append(requestCount.sum()).append('\n');
        header(sb, "nextinfer_generations_total", "counter", "Generations that ran, by finish reason");
        new TreeMap<>(finished).forEach((k, v) ->
                sb.append("nextinfer_generations_total{finish_reason=\"").append(k).append("\"} ").append(v.sum()).append('\n'));
        counter(sb, "nextinfer_prompt_tokens_total", "Prompt tokens of the generations that ran", promptTokens.sum());
        counter(sb, "nextinfer_cached_prompt_tokens_total", "Prompt tokens whose state was reused (not computed)", cachedTokens.sum());
        counter(sb, "nextinfer_completion_tokens_total", "Tokens generated", completionTokens.sum());
        header(sb, "nextinfer_prefill_seconds_total", "counter", "Time spent computing prompts");
        sb.append("nextinfer_prefill_seconds_total ").append(seconds(prefillNanos.sum())).append('\n');
        header(sb, "nextinfer_decode_seconds_total", "counter", "Time spent generating after the prompt");
        sb.append("nextinfer_decode_seconds_total ").append(seconds(decodeNanos.sum())).append('\n');
        header(sb, "nextinfer_completion_tokens_per_second", "gauge",
                "Generated tokens per second of decoding, over the generations that ended in the last minute");
        sb.append("nextinfer_completion_tokens_per_second ").append(String.format(Locale.ROOT, "%.3f", recentTokensPerSecond())).append('\n');
        gauge(sb, "nextinfer_requests_in_flight", "Requests being handled now", inFlight.get());
        gauge(sb, "nextinfer_queue_depth", "Requests waiting for a generation slot", g.queueDepth());
        gauge(sb, "nextinfer_queue_limit", "Requests that may wait before 429 (--max-queue)", g.queueLimit());
        gauge(sb, "nextinfer_generations_running", "Generations running now", g.running());
        gauge(sb, "nextinfer_generation_slots", "Generations that may run at once (--parallel)", g.parallel());
        gauge(sb, "nextinfer_memory_reserved_bytes", "Memory reserved by sequences (KV cache and states)", g.memoryReserved());
        gauge(sb, "nextinfer_memory_limit_bytes", "The memory limit admission checks against", g.memoryLimit());
        return sb.toString();
    }

    private static void header(StringBuilder sb, String name, String type, String help) {
        sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
        sb.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void counter(StringBuilder sb, String name, String help, long value) {
        header(sb, name, "counter", help);
        sb.append(name).append(' ').append(value).append('\n');
    }

    private static void gauge(StringBuilder sb, String name, String help, long value) {
        header(sb, name, "gauge", help);
        sb.append(name).append(' ').append(value).append('\n');
    }

    private static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.6f", nanos / 1e9);
    }
}
