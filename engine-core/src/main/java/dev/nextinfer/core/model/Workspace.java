package dev.nextinfer.core.model;

/**
 * The activation arrays of one forward call, kept for the next call instead of allocated per layer: allocated per
 * layer, a 512-token prefill chunk of the a3b-e32 preset took 9.2 GB of them (its DeltaNet projections and expert
 * rows are tens of MB per layer) and ~96 young collections; reused, 0.7 GB and ~10 (docs/performance.md, "Prefill:
 * one workspace for a call's activations").
 *
 * <p>Each {@link Buffer} names one use; {@link #floats} hands out the same array for it until a larger one is asked
 * for. An array comes back with the contents its last user left (not zeros) and may be longer than asked, so users
 * write every element they read and pass lengths explicitly. The arrays of different buffers never alias, and a
 * buffer's user is done with it before the next layer asks for it again. Not thread-safe: one forward call at a time
 * uses a workspace ({@link Qwen3NextModel} lends one to each call). {@link #fresh()} allocates anew on every request,
 * for results that outlive the call.
 */
final class Workspace {
    /** One use of an array within a layer. */
    enum Buffer {
        /** The decoder layer's normed input {@code [T][H]}. */
        NORMED,
        /** The decoder layer's mixer and feed-forward output {@code [T][H]}. */
        MIX,
        /** DeltaNet: {@code in_proj_qkvz} output. */
        QKVZ,
        /** DeltaNet: {@code in_proj_ba} output. */
        BA,
        /** DeltaNet: the conv input {@code [q | k | v]}. */
        CONV_IN,
        /** DeltaNet: the conv output. */
        CONV_OUT,
        /** DeltaNet: z, the output gate. */
        Z,
        /** DeltaNet: β per value head. */
        BETA,
        /** DeltaNet: g, the decay, per value head. */
        G,
        /** DeltaNet: the delta rule's output per value head. */
        CORE,
        /** Attention: the q/gate projection. */
        QG,
        /** Attention: keys of the new positions. */
        KEY,
        /** Attention: values of the new positions. */
        VALUE,
        /** Attention: normed, rotated queries. */
        QUERY,
        /** Attention: the output gate. */
        GATE,
        /** Attention: the heads' outputs. */
        ATTN,
        /** MoE: router logits. */
        ROUTER,
        /** MoE: the tokens of each active routed expert, expert after expert (the shared expert reads the layer input). */
        EXPERT_IN,
        /** MoE / MLP: gate projections of those rows. */
        FFN_GATE,
        /** MoE / MLP: up projections of those rows. */
        FFN_UP,
        /** MoE: down projections of those rows. */
        EXPERT_OUT
    }

    private static final Buffer[] BUFFERS = Buffer.values();

    private final float[][] arrays;

    private Workspace(boolean keep) {
        this.arrays = keep ? new float[BUFFERS.length][] : null;
    }

    /** An empty workspace that keeps its arrays. */
    static Workspace reusing() {
        return new Workspace(true);
    }

    /** A workspace that allocates a new, zeroed array for every request. */
    static Workspace fresh() {
        return new Workspace(false);
    }

    /** An array of at least {@code n} floats for {@code use}, holding whatever its last user wrote. */
    float[] floats(Buffer use, int n) {
        if (arrays == null) {
            return new float[n];
        }
        float[] a = arrays[use.ordinal()];
        if (a == null || a.length < n) {
            a = new float[n];
            arrays[use.ordinal()] = a;
        }
        return a;
    }

    /** Floats held (tests). */
    long heldFloats() {
        long n = 0;
        if (arrays != null) {
            for (float[] a : arrays) {
                n += a == null ? 0 : a.length;
            }
        }
        return n;
    }
}
