package dev.nextinfer.core.model;

/**
 * A cheap snapshot of a {@link SequenceState} at some position ({@link SequenceState#snapshot()}), for rewinding
 * the same sequence to that position later (prefix reuse across chat turns; {@link SequenceState#restore}).
 * DeltaNet states cannot be rewound, so they are copied (a constant size, whatever the context); KV caches only
 * grow by appending, so only their lengths are kept and a restore truncates them. Valid only for the state it was
 * taken from, and only while that state still holds the same tokens up to {@link #position()} (i.e. it was not
 * itself rewound below it).
 */
public final class PrefixSnapshot {
    private final DeltaNetState[] deltaNet;
    private final int position;
    private final int mtpLength;
    private final float[] lastHidden;
    private final MtpBacklog mtpBacklog;

    /** Taken by {@link SequenceState#snapshot()}: {@code deltaNet[i]} is a copy of layer i's state, or null. */
    PrefixSnapshot(DeltaNetState[] deltaNet, int position, int mtpLength, float[] lastHidden, MtpBacklog mtpBacklog) {
        this.deltaNet = deltaNet;
        this.position = position;
        this.mtpLength = mtpLength;
        this.lastHidden = lastHidden;
        this.mtpBacklog = mtpBacklog;
    }

    /** Snapshots {@code s} at its current position (as {@link SequenceState#snapshot()}). */
    public static PrefixSnapshot of(SequenceState s) {
        return s.snapshot();
    }

    /** The position (tokens consumed) at the time of the snapshot. */
    public int position() {
        return position;
    }

    /** Bytes held by the copied DeltaNet states. */
    public long byteSize() {
        long n = 0;
        for (DeltaNetState d : deltaNet) {
            n += d == null ? 0 : d.byteSize();
        }
        return n;
    }

    /** Rewinds {@code s} to this snapshot (as {@link SequenceState#restore}). */
    public void restoreInto(SequenceState s) {
        s.restore(this);
    }

    int layerCount() {
        return deltaNet.length;
    }

    /** The saved state of DeltaNet layer {@code i}. */
    DeltaNetState deltaNet(int i) {
        return deltaNet[i];
    }

    int mtpLength() {
        return mtpLength;
    }

    float[] lastHidden() {
        return lastHidden;
    }

    /** The saved MTP backlog, or null when the state did not record MTP inputs. */
    MtpBacklog mtpBacklog() {
        return mtpBacklog;
    }
}
