package dev.nextinfer.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.kernels.DeltaRule.Carry;
import dev.nextinfer.kernels.DeltaRule.State;
import dev.nextinfer.kernels.DeltaRule.Strided;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The recurrent and the chunked delta rule against each other and against a double-precision scalar twin. */
class DeltaRuleTest {

    /** Inputs like a DeltaNet head sees: l2-normalised keys, scaled queries, decays e^g in (0.5, 1), β in (0, 1). */
    private record Inputs(float[] q, float[] k, float[] v, float[] g, float[] beta, float[] s0) {
    }

    private static Inputs inputs(int T, int dk, int dv, boolean initialState, long seed) {
        Rand r = new Rand(seed);
        float[] q = r.normal(T * dk, 1);
        float[] k = r.normal(T * dk, 1);
        for (int t = 0; t < T; t++) {
            Norms.l2Normalize(q, t * dk, dk, 1e-6f);
            VectorOps.scale(q, t * dk, dk, (float) (1 / Math.sqrt(dk)));
            Norms.l2Normalize(k, t * dk, dk, 1e-6f);
        }
        float[] g = r.uniform(T, -0.7, -0.01);
        float[] beta = r.uniform(T, 0.05, 0.95);
        float[] s0 = initialState ? r.normal(dk * dv, 0.5) : new float[dk * dv];
        return new Inputs(q, k, r.normal(T * dv, 1), g, beta, s0);
    }

    /** The kernel's view of the inputs: packed rows per token. */
    private static DeltaRule.Inputs view(Inputs in, int dk, int dv) {
        return new DeltaRule.Inputs(new Strided(in.q, 0, dk), new Strided(in.k, 0, dk), new Strided(in.v, 0, dv),
                new Strided(in.g, 0, 1), new Strided(in.beta, 0, 1));
    }

    @ParameterizedTest(name = "T={0} dk={1} dv={2} initial={3}")
    @CsvSource({
            "1, 16, 16, false", "1, 16, 16, true",
            "63, 16, 24, false", "63, 16, 24, true",
            "64, 12, 20, false", "64, 12, 20, true",
            "65, 32, 16, false", "65, 32, 16, true",
            "200, 16, 16, false", "200, 16, 16, true",
            "200, 128, 128, true"})
    void chunkedEqualsRecurrentEqualsScalar(int T, int dk, int dv, boolean initial) {
        Inputs in = inputs(T, dk, dv, initial, 1000L * T + dk + (initial ? 1 : 0));
        float[] sRec = in.s0.clone();
        float[] oRec = new float[T * dv];
        DeltaRule.recurrent(T, view(in, dk, dv), new State(sRec, 0, dk, dv), new Strided(oRec, 0, dv));
        float[] sChunk = in.s0.clone();
        float[] oChunk = new float[T * dv];
        DeltaRule.chunked(T, view(in, dk, dv), new State(sChunk, 0, dk, dv), new Strided(oChunk, 0, dv), 64);
        double[] sRef = new double[dk * dv];
        for (int i = 0; i < sRef.length; i++) {
            sRef[i] = in.s0[i];
        }
        float[] oRef = ScalarReference.deltaRule(T, dk, dv, in.q, in.k, in.v, in.g, in.beta, sRef);

        assertClose("recurrent output", oRec, oRef, 2e-5);
        assertClose("chunked output", oChunk, oRef, 2e-5);
        float[] sRefF = new float[sRef.length];
        for (int i = 0; i < sRef.length; i++) {
            sRefF[i] = (float) sRef[i];
        }
        assertClose("recurrent state", sRec, sRefF, 2e-5);
        assertClose("chunked state", sChunk, sRefF, 2e-5);
    }

    /**
     * The recurrent step against its scalar twin, bit for bit: per element in key order {@code s = s·e^g;
     * m = fma(s, k_i, m)}, then {@code δ = β(v − m)}, then {@code s = fma(δ, k_i, s); o = fma(s, q_i, o)}. Column
     * counts that are and are not multiples of the vector (8-vector blocks, single vectors, scalar tail).
     */
    @ParameterizedTest(name = "dk={0} dv={1}")
    @CsvSource({"16, 16", "12, 20", "128, 128", "32, 136", "5, 7", "24, 264", "8, 3"})
    void recurrentStepEqualsScalarTwinBitForBit(int dk, int dv) {
        Inputs in = inputs(3, dk, dv, true, 77L * dk + dv);
        float[] s = in.s0.clone();
        float[] twin = in.s0.clone();
        for (int t = 0; t < 3; t++) {
            float[] out = new float[dv];
            DeltaRule.recurrentStep(s, 0, dk, dv, in.q, t * dk, in.k, t * dk, in.v, t * dv, in.g[t], in.beta[t], out, 0);
            float[] expected = new float[dv];
            float decay = (float) Math.exp(in.g[t]);
            for (int d = 0; d < dv; d++) {
                float m = 0f;
                for (int i = 0; i < dk; i++) {
                    twin[i * dv + d] *= decay;
                    m = Math.fma(twin[i * dv + d], in.k[t * dk + i], m);
                }
                float delta = in.beta[t] * (in.v[t * dv + d] - m);
                float o = 0f;
                for (int i = 0; i < dk; i++) {
                    twin[i * dv + d] = Math.fma(delta, in.k[t * dk + i], twin[i * dv + d]);
                    o = Math.fma(twin[i * dv + d], in.q[t * dk + i], o);
                }
                expected[d] = o;
            }
            assertArrayEquals(expected, out, "output of token " + t);
            assertArrayEquals(twin, s, "state after token " + t);
        }
    }

    /**
     * {@code chunk} reuses per-thread work arrays: its result must not depend on what an earlier call left in them.
     * The same input on a fresh thread (zeroed arrays) and on this thread after larger, different calls (arrays full
     * of other values) gives the same bits.
     */
    @org.junit.jupiter.api.Test
    void chunkedDoesNotDependOnEarlierCalls() throws Exception {
        int T = 100;
        int dk = 16;
        int dv = 24;
        Inputs in = inputs(T, dk, dv, true, 5);
        float[] sFresh = in.s0.clone();
        float[] oFresh = new float[T * dv];
        Thread fresh = new Thread(() -> DeltaRule.chunked(T, view(in, dk, dv), new State(sFresh, 0, dk, dv),
                new Strided(oFresh, 0, dv), 64));
        fresh.start();
        fresh.join();
        Inputs other = inputs(130, 32, 40, true, 6);
        DeltaRule.chunked(130, view(other, 32, 40), new State(other.s0.clone(), 0, 32, 40),
                new Strided(new float[130 * 40], 0, 40), 64);
        float[] sAgain = in.s0.clone();
        float[] oAgain = new float[T * dv];
        DeltaRule.chunked(T, view(in, dk, dv), new State(sAgain, 0, dk, dv), new Strided(oAgain, 0, dv), 64);
        org.junit.jupiter.api.Assertions.assertArrayEquals(oFresh, oAgain, "outputs");
        org.junit.jupiter.api.Assertions.assertArrayEquals(sFresh, sAgain, "state");
    }

    @ParameterizedTest(name = "split at {0}")
    @CsvSource({"1", "37", "64", "100", "199"})
    void chunkedContinuesAcrossCalls(int split) {
        int T = 200;
        int dk = 16;
        int dv = 24;
        Inputs in = inputs(T, dk, dv, true, 77);
        float[] sWhole = in.s0.clone();
        float[] oWhole = new float[T * dv];
        DeltaRule.chunked(T, view(in, dk, dv), new State(sWhole, 0, dk, dv), new Strided(oWhole, 0, dv), 64);
        float[] sParts = in.s0.clone();
        float[] oParts = new float[T * dv];
        DeltaRule.chunked(split, view(in, dk, dv), new State(sParts, 0, dk, dv), new Strided(oParts, 0, dv), 64);
        DeltaRule.chunked(T - split, view(in, dk, dv).from(split), new State(sParts, 0, dk, dv),
                new Strided(oParts, split * dv, dv), 64);
        assertClose("output", oParts, oWhole, 2e-5);
        assertClose("state", sParts, sWhole, 2e-5);
    }

    /**
     * The deferred commit of speculative decoding: {@code chunk} reads S without writing it, and {@code advance(a)}
     * then gives the state after the first {@code a} tokens, for every prefix, with the outputs of those tokens.
     */
    @ParameterizedTest(name = "L={0} dk={1} dv={2}")
    @CsvSource({"5, 16, 24", "2, 12, 20", "9, 128, 128"})
    void chunkThenAdvanceOfAnyPrefixEqualsRecurrent(int L, int dk, int dv) {
        Inputs in = inputs(L, dk, dv, true, 4242L + L);
        float[] S = in.s0.clone();
        float[] out = new float[L * dv];
        float[] gc = new float[L];
        float[] vNew = new float[L * dv];
        DeltaRule.chunk(L, view(in, dk, dv), new State(S, 0, dk, dv), new Strided(out, 0, dv), new Carry(gc, 0, vNew, 0));
        assertClose("chunk leaves S alone", S, in.s0, 0);
        for (int a = 0; a <= L; a++) {
            float[] sRec = in.s0.clone();
            float[] oRec = new float[Math.max(1, a) * dv];
            DeltaRule.recurrent(a, view(in, dk, dv), new State(sRec, 0, dk, dv), new Strided(oRec, 0, dv));
            float[] sAdv = in.s0.clone();
            DeltaRule.advance(a, new Strided(in.k, 0, dk), new Carry(gc, 0, vNew, 0), new State(sAdv, 0, dk, dv));
            assertClose("state after " + a + " of " + L, sAdv, sRec, 2e-5);
            assertClose("outputs of the first " + a, java.util.Arrays.copyOf(out, a * dv), java.util.Arrays.copyOf(oRec, a * dv), 2e-5);
        }
    }

    static void assertClose(String what, float[] actual, float[] expected, double tol) {
        double scale = 0;
        double diff = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
        }
        assertTrue(diff <= tol * Math.max(1, scale), what + ": max |Δ| = " + diff + " (scale " + scale + ")");
    }
}
