package dev.nextinfer.server;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounds the work in the server: at most {@code parallel} generations run, at most {@code maxQueue} more wait
 * (first come, first served); beyond that a request is refused at once with 429, and with 503 once the server is
 * shutting down.
 */
final class Admission {
    private final Semaphore running;
    private final AtomicInteger waiting = new AtomicInteger();
    private final int parallel;
    private final int maxQueue;
    private volatile boolean closed;

    Admission(int parallel, int maxQueue) {
        this.parallel = parallel;
        this.maxQueue = maxQueue;
        this.running = new Semaphore(parallel, true);
    }

    /** Waits for a slot; the caller must {@link #release()} it. */
    void acquire() {
        if (closed) {
            throw shuttingDown();
        }
        try {
            if (!running.tryAcquire(0, TimeUnit.SECONDS)) {
                if (waiting.incrementAndGet() > maxQueue) {
                    waiting.decrementAndGet();
                    throw new ApiError(429, "requests", "rate_limit_exceeded", null, "the server is busy: " + parallel
                            + " generation(s) running and " + maxQueue + " waiting (--parallel, --max-queue); retry later");
                }
                try {
                    running.acquire();
                } finally {
                    waiting.decrementAndGet();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw shuttingDown();
        }
        if (closed) {
            running.release();
            throw shuttingDown();
        }
    }

    void release() {
        running.release();
    }

    /** Refuses new work from now on. */
    void close() {
        closed = true;
    }

    boolean closed() {
        return closed;
    }

    /** Generations holding a slot now. */
    int running() {
        return parallel - running.availablePermits();
    }

    int waiting() {
        return waiting.get();
    }

    static ApiError shuttingDown() {
        return new ApiError(503, "server_error", "service_unavailable", null, "the server is shutting down");
    }
}
