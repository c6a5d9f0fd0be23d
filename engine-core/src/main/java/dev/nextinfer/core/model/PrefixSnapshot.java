package dev.nextinfer.core.model;

/**
 * A cheap snapshot of a {@link SequenceState} at some position, for rewinding the same sequence to that
 * position later (prefix reuse across chat turns). DeltaNet states cannot be rewound, so they are copied (a
 * constant size, whatever the context); KV caches only grow by appending, so only their lengths are kept and
 * {@link #restoreInto} truncates them. Valid only for the state it was taken from, and only while that state still
 * holds the same tokens up to {@link #position()} (i.e. it was not itself rewound below it).
 */
public final class PrefixSnapshot {
    private final DeltaNetState[] linear;
    private final int position;
    private final int mtpLength;
    private final float[] lastHidden;
    private final MtpBacklog mtpBacklog;

    private PrefixSnapshot(DeltaNetState[] linear, int position, int mtpLength, float[] lastHidden, MtpBacklog mtpBacklog) {
        this.linear = linear;
        this.position = position;
        this.mtpLength = mtpLength;
        this.lastHidden = lastHidden;
        this.mtpBacklog = mtpBacklog;
    }

    /** Snapshots {@code s} at its current position. */
    public static PrefixSnapshot of(SequenceState s) {
        DeltaNetState[] l = new DeltaNetState[s.linear.length];
        for (int i = 0; i < l.length; i++) {
            l[i] = s.linear[i] == null ? null : s.linear[i].copy();
        }
        s.requireNoPending();
        return new PrefixSnapshot(l, s.position, s.mtpKv.length(), s.lastHidden == null ? null : s.lastHidden.clone(),
                s.mtpBacklog == null ? null : s.mtpBacklog.copy());
    }

    /** The position (tokens consumed) at the time of the snapshot. */
    public int position() {
        return position;
    }

    /** Bytes held by the copied DeltaNet states. */
    public long byteSize() {
        long n = 0;
        for (DeltaNetState d : linear) {
            n += d == null ? 0 : d.byteSize();
        }
        return n;
    }

    /**
     * Rewinds {@code s} — the state this snapshot was taken from, which has consumed at least {@link #position()}
     * tokens since, starting with the same ones — to the snapshot's position.
     */
    public void restoreInto(SequenceState s) {
        if (s.position < position || s.linear.length != linear.length) {
            throw new IllegalStateException("snapshot at " + position + " cannot rewind a state at " + s.position);
        }
        for (int i = 0; i < linear.length; i++) {
            if (linear[i] != null) {
                s.linear[i].copyFrom(linear[i]);
            }
        }
        for (KvCache c : s.kv) {
            if (c != null) {
                c.truncate(position);
            }
        }
        s.requireNoPending();
        if (s.mtpBacklog != null && (mtpBacklog == null || s.mtpKv.length() < mtpLength)) {
            throw new IllegalStateException("cannot restore MTP inputs: snapshot taken without them or the MTP cache was rewound");
        }
        s.mtpKv.truncate(Math.min(mtpLength, s.mtpKv.length()));
        if (s.mtpBacklog != null) {
            s.mtpBacklog.copyFrom(mtpBacklog);
        }
        s.position = position;
        s.lastHidden = lastHidden == null ? null : lastHidden.clone();
    }
}
