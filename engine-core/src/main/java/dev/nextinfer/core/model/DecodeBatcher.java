package dev.nextinfer.core.model;

import dev.nextinfer.core.NextInferException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Continuous batching of decode steps: sequences decoded by different threads (sessions, server slots) call
 * {@link #step} for their next token, and the steps that are waiting at the same time run as one
 * {@link Qwen3NextModel#forwardBatch}, so every weight is read once for all of them. Sequences join and leave at
 * token boundaries simply by calling or not; whatever else a thread does between its steps (a prefill chunk, a
 * speculative round) runs between batches, serialised by the model's thread pool.
 *
 * <p>No thread waits for a batch to fill: the first caller that finds no batch running leads — it runs every step
 * queued so far (up to {@code maxBatch}), then the steps queued meanwhile, until its own is done, and hands over to
 * a waiting caller. Batches form from the steps that arrive while one runs. Since a batched row is bit-identical to
 * the step run alone, the batch a step lands in never changes its result.
 *
 * <p>A step whose state cannot take it (no room, an uncommitted speculative forward) fails alone with the model's
 * one-line error; the others of its batch still run. Waiting is not interruptible: a step once queued is run (its
 * thread's interrupt status is kept for the caller to see).
 */
public final class DecodeBatcher {
    private final Qwen3NextModel model;
    private final int maxBatch;
    private final Object lock = new Object();
    private final ArrayDeque<Step> queue = new ArrayDeque<>();
    private boolean leading;
    private long steps;
    private long batches;
    private int widest;
    private volatile Runnable beforeEachPass = () -> { };

    /** Batches steps on {@code model}, at most {@code maxBatch} sequences per forward pass. */
    public DecodeBatcher(Qwen3NextModel model, int maxBatch) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be ≥ 1, got " + maxBatch);
        }
        this.model = model;
        this.maxBatch = maxBatch;
    }

    /** One queued step and, once run, its outcome. */
    private static final class Step {
        final SequenceState state;
        final int token;
        float[] logits;
        Throwable error;
        boolean done;

        Step(SequenceState state, int token) {
            this.state = state;
            this.token = token;
        }
    }

    /** What has run so far: steps, forward passes, and the widest pass. */
    public record Stats(long steps, long batches, int widest) {
        /** Average sequences per forward pass (0 before the first). */
        public double averageWidth() {
            return batches == 0 ? 0 : (double) steps / batches;
        }
    }

    /** Counters since this batcher was made. */
    public Stats stats() {
        synchronized (lock) {
            return new Stats(steps, batches, widest);
        }
    }

    /** Steps queued and not yet taken into a pass. */
    int queued() {
        synchronized (lock) {
            return queue.size();
        }
    }

    /**
     * Test seam: {@code hook} runs on the leading thread before it takes each batch from the queue, so a test can
     * hold a pass until other threads' steps have queued (a tiny model's step is shorter than a thread's wake-up, so
     * without it steps rarely overlap).
     */
    void beforeEachPass(Runnable hook) {
        beforeEachPass = hook;
    }

    /**
     * Runs {@code token} through the model as the next token of {@code state} — alone or batched with other threads'
     * steps — and returns the logits after it, exactly those of {@code model.forward} of that one token.
     */
    public float[] step(SequenceState state, int token) {
        Step mine = new Step(state, token);
        boolean interrupted = false;
        try {
            synchronized (lock) {
                queue.add(mine);
                while (!mine.done && leading) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
                if (!mine.done) {
                    leading = true;
                }
            }
            if (!mine.done) {
                lead(mine);
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        if (mine.error instanceof RuntimeException e) {
            throw e;
        }
        if (mine.error instanceof Error e) {
            throw e;
        }
        return mine.logits;
    }

    /** Runs queued batches until {@code mine} is done, then gives up the lead to a waiting thread. */
    private void lead(Step mine) {
        try {
            while (true) {
                synchronized (lock) {
                    if (mine.done) {
                        return;
                    }
                }
                beforeEachPass.run();
                List<Step> batch = new ArrayList<>();
                synchronized (lock) {
                    while (!queue.isEmpty() && batch.size() < maxBatch) {
                        batch.add(queue.poll());
                    }
                }
                if (batch.isEmpty()) { // cannot happen: an unfinished step of ours is queued
                    throw new IllegalStateException("decode batcher: own step neither done nor queued");
                }
                run(batch);
                synchronized (lock) {
                    steps += batch.size();
                    batches++;
                    widest = Math.max(widest, batch.size());
                    for (Step s : batch) {
                        s.done = true;
                    }
                    lock.notifyAll();
                }
            }
        } finally {
            synchronized (lock) {
                leading = false;
                lock.notifyAll(); // a waiting thread whose step is still queued takes the lead
            }
        }
    }

    /** Runs {@code batch}, never throwing: a failure is recorded in the steps it belongs to. */
    private void run(List<Step> batch) {
        if (batch.size() == 1) {
            runAlone(batch.get(0));
            return;
        }
        int[] tokens = new int[batch.size()];
        SequenceState[] states = new SequenceState[batch.size()];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = batch.get(i).token;
            states[i] = batch.get(i).state;
        }
        float[] logits;
        try {
            logits = model.forwardBatch(tokens, states).logits();
        } catch (NextInferException e) {
            // refused before any state moved (a bad token, a full or busy state, a state queued twice): run each
            // step alone so that only the offending ones fail
            for (Step s : batch) {
                runAlone(s);
            }
            return;
        } catch (RuntimeException | Error e) { // every sequence of the pass is in an unknown state: all fail
            for (Step s : batch) {
                s.error = e;
            }
            return;
        }
        int vocab = model.config().vocabSize();
        for (int i = 0; i < tokens.length; i++) {
            batch.get(i).logits = java.util.Arrays.copyOfRange(logits, i * vocab, (i + 1) * vocab);
        }
    }

    private void runAlone(Step s) {
        try {
            s.logits = model.forward(new int[] {s.token}, 0, 1, s.state, false, false).logits();
        } catch (RuntimeException | Error e) {
            s.error = e;
        }
    }
}
