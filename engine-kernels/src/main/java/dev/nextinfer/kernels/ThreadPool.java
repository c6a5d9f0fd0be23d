package dev.nextinfer.kernels;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A fixed pool of platform threads for data-parallel regions ({@link #parallelFor}). A decode step runs
 * thousands of regions, so a region must cost microseconds: workers spin on the current region for a while
 * before parking, the calling thread takes part in the work, and chunks are handed out by one atomic counter.
 *
 * <p>Regions from different caller threads are serialised (one region at a time). A region started from inside a
 * region runs inline on the current thread. Work is only ever split into independent outputs, so results never
 * depend on the number of threads.
 */
public final class ThreadPool implements AutoCloseable {

    /** The body of a parallel region: handles indices {@code [start, end)}. */
    @FunctionalInterface
    public interface RangeTask {
        /** Processes the half-open index range {@code [start, end)}. */
        void run(int start, int end);
    }

    private static final long SPIN_NANOS = 200_000; // ~0.2 ms of spinning before a worker parks

    /**
     * One parallel region: its parameters and its own chunk counters. Workers take chunks from the region object
     * they were handed, so a worker that wakes late (descheduled on a busy machine) finds its region's chunks all
     * taken and does nothing, and the caller waits only for chunks that were actually taken — never for a worker
     * that has not started.
     */
    private static final class Region {
        final RangeTask task;
        final int n;
        final int chunk;
        /** Guided regions: a piece takes {@code max(chunk, remaining / divisor)} indices; 0 for fixed chunks. */
        final int divisor;
        final AtomicInteger next = new AtomicInteger();
        /** Indices finished (or failed); the caller waits until all {@link #n} are. */
        final AtomicInteger done = new AtomicInteger();
        volatile Throwable failure;

        Region(RangeTask task, int n, int chunk, int divisor) {
            this.task = task;
            this.n = n;
            this.chunk = chunk;
            this.divisor = divisor;
        }

        /** Takes and runs pieces until none is left; each finished (or failed) piece is counted in {@link #done}. */
        void runChunks() {
            while (true) {
                int start;
                int end;
                if (divisor == 0) { // the counter numbers chunks, so it cannot overflow past n
                    long c = next.getAndIncrement();
                    if (c * chunk >= n) {
                        return;
                    }
                    start = (int) (c * chunk);
                    end = (int) Math.min(n, c * chunk + chunk);
                } else {
                    start = next.get();
                    if (start >= n) {
                        return;
                    }
                    end = Math.min(n, start + Math.max(chunk, (n - start) / divisor));
                    if (!next.compareAndSet(start, end)) {
                        continue;
                    }
                }
                try {
                    if (failure == null) {
                        task.run(start, end);
                    }
                } catch (Throwable t) {
                    failure = t;
                } finally {
                    done.addAndGet(end - start);
                }
            }
        }
    }

    private final int threads;
    private final Thread[] workers;
    private final ReentrantLock regionLock = new ReentrantLock();
    private final ThreadLocal<Boolean> inRegion = ThreadLocal.withInitial(() -> false);

    /** The current region, published to the workers by this volatile write. */
    private volatile Region region;
    private volatile boolean closed;

    /** Starts {@code threads - 1} workers (the caller is the last thread); {@code threads ≥ 1}. */
    public ThreadPool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be ≥ 1, got " + threads);
        }
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            Thread t = new Thread(this::workerLoop, "nextinfer-worker-" + (i + 1));
            t.setDaemon(true);
            workers[i] = t;
            t.start();
        }
    }

    /** A pool with one thread per available processor. */
    public static ThreadPool ofAvailableProcessors() {
        return new ThreadPool(Runtime.getRuntime().availableProcessors());
    }

    /** Number of threads that run a region, the caller included. */
    public int threads() {
        return threads;
    }

    /** Runs {@code task} over {@code [0, n)} split into chunks of about {@code n / (4·threads)} indices. */
    public void parallelFor(int n, RangeTask task) {
        parallelFor(n, Math.max(1, (n + 4 * threads - 1) / (4 * threads)), task);
    }

    /** Runs {@code task} over {@code [0, n)} in chunks of {@code grain} indices on all threads; returns when done. */
    public void parallelFor(int n, int grain, RangeTask task) {
        run(n, Math.max(1, grain), 0, task);
    }

    /**
     * Runs {@code task} over {@code [0, n)} in pieces that shrink as the region drains (guided scheduling): each
     * thread takes {@code max(grain, remaining / (2·threads))} indices. The first pieces are long runs (streamed
     * well by the hardware prefetchers), the last ones short, so the threads finish close together even when one
     * started late or ran slower; fixed chunks leave one thread idle for up to a chunk at every region's tail.
     */
    public void parallelForGuided(int n, int grain, RangeTask task) {
        run(n, Math.max(1, grain), 2 * threads, task);
    }

    private void run(int n, int grain, int divisor, RangeTask task) {
        if (n <= 0) {
            return;
        }
        if (threads == 1 || n <= grain || inRegion.get() || closed) {
            task.run(0, n);
            return;
        }
        regionLock.lock();
        try {
            Region r = new Region(task, n, grain, divisor);
            region = r;
            for (Thread w : workers) {
                LockSupport.unpark(w);
            }
            inRegion.set(true);
            try {
                r.runChunks();
            } finally {
                inRegion.set(false);
            }
            while (r.done.get() < n) { // only pieces a worker took and is still running
                Thread.onSpinWait();
            }
            Throwable f = r.failure;
            if (f != null) {
                if (f instanceof RuntimeException re) {
                    throw re;
                }
                if (f instanceof Error e) {
                    throw e;
                }
                throw new IllegalStateException(f);
            }
        } finally {
            regionLock.unlock();
        }
    }

    private void workerLoop() {
        inRegion.set(true);
        Region seen = null;
        while (true) {
            long spinStart = System.nanoTime();
            Region r;
            while ((r = region) == seen && !closed) {
                if (System.nanoTime() - spinStart < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.parkNanos(this, 1_000_000);
                }
            }
            if (closed) {
                return;
            }
            seen = r;
            r.runChunks();
        }
    }

    /** Stops the workers; later regions run on the caller's thread. */
    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
    }
}
