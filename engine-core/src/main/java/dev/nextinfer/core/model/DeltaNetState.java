package dev.nextinfer.core.model;

/**
 * The constant-size state of one Gated DeltaNet layer: the conv window (last {@code K-1} conv inputs, layout
 * {@code [j·C + c]}, oldest first) and the recurrent matrices {@code S[nv][dk][dv]}.
 */
public final class DeltaNetState {
    final float[] convWindow;
    final float[] recurrent;

    /** Zero state for {@code channels} conv channels of width {@code kernel}, {@code nv} heads of {@code dk × dv}. */
    public DeltaNetState(int channels, int kernel, int nv, int dk, int dv) {
        this.convWindow = new float[(kernel - 1) * channels];
        this.recurrent = new float[nv * dk * dv];
    }

    private DeltaNetState(float[] convWindow, float[] recurrent) {
        this.convWindow = convWindow;
        this.recurrent = recurrent;
    }

    /** Bytes held. */
    public long byteSize() {
        return 4L * (convWindow.length + recurrent.length);
    }

    /** A deep copy. */
    public DeltaNetState copy() {
        return new DeltaNetState(convWindow.clone(), recurrent.clone());
    }

    /** Overwrites this state with {@code other}'s (same shapes). */
    public void copyFrom(DeltaNetState other) {
        System.arraycopy(other.convWindow, 0, convWindow, 0, convWindow.length);
        System.arraycopy(other.recurrent, 0, recurrent, 0, recurrent.length);
    }
}
