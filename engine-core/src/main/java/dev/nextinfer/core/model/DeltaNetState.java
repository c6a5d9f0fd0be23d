package dev.nextinfer.core.model;

/**
 * The constant-size state of one Gated DeltaNet layer: the conv window (last {@code K-1} conv inputs, layout
 * {@code [j·C + c]}, oldest first) and the recurrent matrices {@code S[nv][dk][dv]}.
 */
public final class DeltaNetState implements LayerState {
    final float[] convWindow;
    final float[] recurrent;

    /** Zero state for {@code channels} conv channels of width {@code kernel}, {@code nv} heads of {@code dk × dv}. */
    public DeltaNetState(int channels, int kernel, int nv, int dk, int dv) {
        this.convWindow = new float[(kernel - 1) * channels];
        this.recurrent = new float[nv * dk * dv];
    }

    /** Zero state of a layer of this shape. */
    DeltaNetState(DeltaNetShape shape) {
        this(shape.convDim(), shape.kernel(), shape.nv(), shape.dk(), shape.dv());
    }

    private DeltaNetState(float[] convWindow, float[] recurrent) {
        this.convWindow = convWindow;
        this.recurrent = recurrent;
    }

    @Override
    public long byteSize() {
        return 4L * (convWindow.length + recurrent.length);
    }

    /** A deep copy. */
    @Override
    public DeltaNetState copy() {
        return new DeltaNetState(convWindow.clone(), recurrent.clone());
    }

    /** Overwrites this state with {@code other}'s (same shapes). */
    public void copyFrom(DeltaNetState other) {
        System.arraycopy(other.convWindow, 0, convWindow, 0, convWindow.length);
        System.arraycopy(other.recurrent, 0, recurrent, 0, recurrent.length);
    }
}
