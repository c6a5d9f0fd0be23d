package dev.nextinfer.core.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.core.LoadOptions;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.testing.Compare;
import dev.nextinfer.core.testing.Fixtures;
import dev.nextinfer.core.testing.Npy;
import dev.nextinfer.core.weights.LayerWeights;
import dev.nextinfer.core.weights.MlpWeights;
import dev.nextinfer.core.weights.ModelWeights;
import dev.nextinfer.core.weights.WeightFormat;
import dev.nextinfer.kernels.Matrix;
import dev.nextinfer.kernels.MatrixFormat;
import dev.nextinfer.kernels.VectorOps;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Lower-precision compute formats judged against the golden f32 logits of the fixtures, over every position of
 * every golden prompt (1 + 7 + 64 + 200 = 272 per fixture): top-1 agreement, mean KL(p_f32 ‖ p_format) and max
 * |Δlogit|. The measured values are printed (see {@code docs/performance.md}, "Quality of the compute formats").
 *
 * <p>The fixtures are random-weight models and far more sensitive than a trained one: their MoE routers (top-4 of
 * 16) have near-ties, so a 0.2% weight perturbation (bf16 rounding) flips the experts of some tokens in the first
 * layer, and the DeltaNet recurrent state carries the change to every later position. Even bf16 weights therefore
 * agree on only ~94% of the top-1 tokens of tiny-f32. The bounds are the measured values (see the docs) with margin
 * for other vector widths, which round differently; a broken kernel or layout gives ~0% agreement:
 * <ul>
 *   <li>q8_0: top-1 ≥ 85%, mean KL ≤ 3e-2 (measured on tiny-f32: 90.8%, 1.3e-2);</li>
 *   <li>q4_0: top-1 ≥ 30%, mean KL ≤ 1.0 (measured: 40.4%, 0.56);</li>
 *   <li>bf16 on tiny-f32: top-1 ≥ 90%, mean KL ≤ 1e-2, max |Δlogit| ≤ 5 (measured: 94.1%, 4.8e-3, 3.6).</li>
 * </ul>
 * Q8_0/Q4_0 need a column count that is a multiple of 32: tiny-bf16-8l and tiny-fp8-b32 (hidden 80) keep nearly
 * every matrix as stored, so their rows mostly measure the loader's fallback; the printed share of quantised matrix
 * weights says how much was quantised.
 */
class QuantizedQualityTest {

    record Bound(double minTop1, double maxMeanKl, double maxAbsLogit) {
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String m : Fixtures.MODELS) {
            out.add(Arguments.of(m, WeightFormat.Q8_0, new Bound(0.85, 3e-2, Double.POSITIVE_INFINITY)));
            out.add(Arguments.of(m, WeightFormat.Q4_0, new Bound(0.30, 1.0, Double.POSITIVE_INFINITY)));
        }
        out.add(Arguments.of("tiny-f32", WeightFormat.BF16, new Bound(0.90, 1e-2, 5.0)));
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void agreesWithF32Golden(String name, WeightFormat format, Bound bound) {
        try (Qwen3Next q = Qwen3Next.load(Fixtures.model(name), LoadOptions.builder().weights(format).threads(2).build())) {
            Qwen3NextModel model = q.model();
            int vocab = model.config().vocabSize();
            int positions = 0;
            int agree = 0;
            double klSum = 0;
            double maxKl = 0;
            double maxAbs = 0;
            for (int length : Fixtures.PROMPT_LENGTHS) {
                int[] prompt = Fixtures.prompt(name, length);
                ForwardResult r = model.forward(prompt, 0, length, model.newState(4096), true, false);
                Npy.Array golden = Fixtures.golden(name, length, "logits");
                for (int t = 0; t < length; t++) {
                    int o = t * vocab;
                    positions++;
                    if (VectorOps.argmax(golden.data(), o, vocab) == VectorOps.argmax(r.logits(), o, vocab)) {
                        agree++;
                    }
                    double kl = kl(golden.data(), r.logits(), o, vocab);
                    klSum += kl;
                    maxKl = Math.max(maxKl, kl);
                    maxAbs = Math.max(maxAbs, Compare.maxAbsDiff(r.logits(), o, golden.data(), o, vocab));
                }
            }
            double top1 = (double) agree / positions;
            double meanKl = klSum / positions;
            System.out.printf(Locale.ROOT,
                    "quality %-13s %-5s quantised %5.1f%% of matrix weights: top-1 %d/%d = %.1f%%, mean KL %.2e, max KL %.2e, max |Δlogit| %.4f%n",
                    name, format.cliName(), 100 * quantisedShare(model.weights(), format.matrixFormat()), agree, positions,
                    100 * top1, meanKl, maxKl, maxAbs);
            assertTrue(top1 >= bound.minTop1(), name + " " + format.cliName() + ": top-1 agreement " + top1 + " < " + bound.minTop1());
            assertTrue(meanKl <= bound.maxMeanKl(), name + " " + format.cliName() + ": mean KL " + meanKl + " > " + bound.maxMeanKl());
            assertTrue(maxAbs <= bound.maxAbsLogit(), name + " " + format.cliName() + ": max |Δlogit| " + maxAbs + " > " + bound.maxAbsLogit());
        }
    }

    /** KL(softmax(p) ‖ softmax(q)) for rows at {@code off}, in double. */
    static double kl(float[] p, float[] q, int off, int n) {
        double pMax = Double.NEGATIVE_INFINITY;
        double qMax = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            pMax = Math.max(pMax, p[off + i]);
            qMax = Math.max(qMax, q[off + i]);
        }
        double pSum = 0;
        double qSum = 0;
        for (int i = 0; i < n; i++) {
            pSum += Math.exp(p[off + i] - pMax);
            qSum += Math.exp(q[off + i] - qMax);
        }
        double pLog = pMax + Math.log(pSum);
        double qLog = qMax + Math.log(qSum);
        double kl = 0;
        for (int i = 0; i < n; i++) {
            double lp = p[off + i] - pLog;
            double lq = q[off + i] - qLog;
            kl += Math.exp(lp) * (lp - lq);
        }
        return Math.max(0, kl);
    }

    /** Share of the weights of the multiplied matrices (embedding excluded) held in {@code f}. */
    static double quantisedShare(ModelWeights w, MatrixFormat f) {
        List<Matrix> all = new ArrayList<>();
        all.add(w.lmHead());
        for (LayerWeights l : w.layers()) {
            addLayer(all, l);
        }
        if (w.mtp() != null) {
            all.add(w.mtp().fc());
            addLayer(all, w.mtp().layer());
        }
        double total = 0;
        double inFormat = 0;
        for (Matrix m : all) {
            double n = (double) m.rows() * m.cols();
            total += n;
            if (m.format() == f) {
                inFormat += n;
            }
        }
        return inFormat / total;
    }

    private static void addLayer(List<Matrix> all, LayerWeights l) {
        if (l.linearAttn() != null) {
            all.add(l.linearAttn().inProjQkvz());
            all.add(l.linearAttn().inProjBa());
            all.add(l.linearAttn().outProj());
        }
        if (l.selfAttn() != null) {
            all.add(l.selfAttn().qProj());
            all.add(l.selfAttn().kProj());
            all.add(l.selfAttn().vProj());
            all.add(l.selfAttn().oProj());
        }
        if (l.moe() != null) {
            all.add(l.moe().gate());
            for (MlpWeights e : l.moe().experts()) {
                addMlp(all, e);
            }
            if (l.moe().sharedExpert() != null) {
                addMlp(all, l.moe().sharedExpert());
            }
        }
        if (l.mlp() != null) {
            addMlp(all, l.mlp());
        }
    }

    private static void addMlp(List<Matrix> all, MlpWeights m) {
        all.add(m.gateProj());
        all.add(m.upProj());
        all.add(m.downProj());
    }
}
