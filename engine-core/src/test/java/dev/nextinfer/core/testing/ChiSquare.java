package dev.nextinfer.core.testing;

import java.util.ArrayList;
import java.util.List;

/** Pearson's chi-square goodness-of-fit test of observed counts against expected probabilities. */
public final class ChiSquare {
    /** Bins with fewer expected counts are pooled into one (the usual validity rule). */
    public static final double MIN_EXPECTED = 5;

    private ChiSquare() {
    }

    /**
     * The result of a test.
     *
     * @param statistic Σ (observed − expected)² / expected over the pooled bins
     * @param df        degrees of freedom (bins − 1)
     * @param pValue    P(χ²_df ≥ statistic)
     */
    public record Result(double statistic, int df, double pValue) {
    }

    /** Tests {@code counts} (n draws in total) against {@code probs}; bins expecting under 5 draws are pooled. */
    public static Result test(long[] counts, double[] probs) {
        long n = 0;
        for (long c : counts) {
            n += c;
        }
        List<double[]> bins = new ArrayList<>(); // {observed, expected}
        double poolObs = 0;
        double poolExp = 0;
        for (int i = 0; i < counts.length; i++) {
            double e = probs[i] * n;
            if (e >= MIN_EXPECTED) {
                bins.add(new double[] {counts[i], e});
            } else {
                poolObs += counts[i];
                poolExp += e;
            }
        }
        if (poolExp > 0 || poolObs > 0) {
            bins.add(new double[] {poolObs, Math.max(poolExp, 1e-12)});
        }
        double stat = 0;
        for (double[] b : bins) {
            stat += (b[0] - b[1]) * (b[0] - b[1]) / b[1];
        }
        int df = bins.size() - 1;
        return new Result(stat, df, upperGamma(df / 2.0, stat / 2.0));
    }

    /** The regularised upper incomplete gamma function Q(a, x) (Numerical Recipes §6.2). */
    static double upperGamma(double a, double x) {
        if (x <= 0) {
            return 1;
        }
        double lnPrefix = -x + a * Math.log(x) - lnGamma(a);
        if (x < a + 1) { // series for P(a, x)
            double term = 1 / a;
            double sum = term;
            for (int n = 1; n < 10_000 && Math.abs(term) > Math.abs(sum) * 1e-15; n++) {
                term *= x / (a + n);
                sum += term;
            }
            return 1 - sum * Math.exp(lnPrefix);
        }
        double b = x + 1 - a; // continued fraction for Q(a, x), modified Lentz
        double c = 1 / 1e-300;
        double d = 1 / b;
        double h = d;
        for (int i = 1; i < 10_000; i++) {
            double an = -i * (i - a);
            b += 2;
            d = an * d + b;
            d = Math.abs(d) < 1e-300 ? 1e-300 : d;
            c = b + an / c;
            c = Math.abs(c) < 1e-300 ? 1e-300 : c;
            d = 1 / d;
            double delta = d * c;
            h *= delta;
            if (Math.abs(delta - 1) < 1e-15) {
                break;
            }
        }
        return Math.exp(lnPrefix) * h;
    }

    /** ln Γ(x) for x > 0 (Lanczos, g = 7). */
    static double lnGamma(double x) {
        double[] c = {0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
                -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7};
        if (x < 0.5) {
            return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
        }
        x -= 1;
        double s = c[0];
        for (int i = 1; i < 9; i++) {
            s += c[i] / (x + i);
        }
        double t = x + 7.5;
        return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(s);
    }
}
