package dev.nextinfer.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Admission of sequences against a model's memory limit: the fixed part (weights and scratch) plus what each
 * session has reserved for its sequence (KV pages and DeltaNet states for the positions of its latest generation,
 * held while its state is kept for prefix reuse). A reservation that does not fit first evicts the kept states of
 * idle sessions; if it still does not fit it is refused with the numbers. Sessions dropped without closing leave
 * the ledger when they are garbage collected. Thread-safe.
 */
final class MemoryLedger {
    private final long limit;
    private final long fixed;
    private final Map<Session, Long> held = new WeakHashMap<>();

    MemoryLedger(long limit, long fixed) {
        this.limit = limit;
        this.fixed = fixed;
    }

    long limit() {
        return limit;
    }

    /** Bytes reserved by all sessions now. */
    synchronized long reserved() {
        long n = 0;
        for (long b : held.values()) {
            n += b;
        }
        return n;
    }

    /**
     * Reserves {@code need.perSequenceBytes()} for {@code s} (replacing its earlier reservation).
     *
     * @throws MemoryLimitException when it cannot fit even alone, or cannot fit now beside busy sessions
     */
    void reserve(Session s, MemoryEstimate need) {
        long bytes = need.perSequenceBytes();
        if (fixed + bytes > limit) {
            throw new MemoryLimitException(String.format(Locale.ROOT,
                    "a context of %d positions needs %s (%s) but the memory limit is %s; use fewer tokens, a smaller KV cache"
                            + " format (q8_0, q4_0) or smaller weights", need.positions(), MemoryEstimate.gb(need.totalBytes()),
                    need.describe(), MemoryEstimate.gb(limit)), false);
        }
        List<Session> idle;
        synchronized (this) {
            if (fixed + othersLocked(s) + bytes <= limit) {
                held.put(s, bytes);
                return;
            }
            idle = new ArrayList<>(held.keySet());
            idle.remove(s);
        }
        for (Session o : idle) { // outside the lock: releasing calls back into release()
            o.releaseIfIdle();
        }
        synchronized (this) {
            long others = othersLocked(s);
            if (fixed + others + bytes <= limit) {
                held.put(s, bytes);
                return;
            }
            throw new MemoryLimitException(String.format(Locale.ROOT,
                    "not enough memory now: %d positions need %s for their sequence, but running generations hold %s"
                            + " and the model %s of the %s limit; retry when they finish",
                    need.positions(), MemoryEstimate.gb(bytes), MemoryEstimate.gb(others), MemoryEstimate.gb(fixed),
                    MemoryEstimate.gb(limit)), true);
        }
    }

    private long othersLocked(Session s) {
        long n = 0;
        for (Map.Entry<Session, Long> e : held.entrySet()) {
            if (e.getKey() != s) {
                n += e.getValue();
            }
        }
        return n;
    }

    /** Drops {@code s}'s reservation (its state was released). */
    synchronized void release(Session s) {
        held.remove(s);
    }
}
