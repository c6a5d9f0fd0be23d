package dev.nextinfer.core.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The chi-square helper against known values, so the distribution tests that use it can be trusted. */
class ChiSquareTest {
    @Test
    void upperGammaMatchesKnownChiSquareQuantiles() {
        // P(χ²_df ≥ x) for textbook quantiles
        assertEquals(0.05, ChiSquare.upperGamma(1 / 2.0, 3.841459 / 2), 1e-6);
        assertEquals(0.001, ChiSquare.upperGamma(10 / 2.0, 29.588298 / 2), 1e-7);
        assertEquals(0.5, ChiSquare.upperGamma(100 / 2.0, 99.334129 / 2), 1e-6);
        assertEquals(Math.exp(-2.5), ChiSquare.upperGamma(1, 2.5), 1e-12); // df = 2: Q = e^{−x/2}
    }

    @Test
    void fairCountsPassAndSkewedCountsFail() {
        double[] p = {0.5, 0.25, 0.25};
        assertTrue(ChiSquare.test(new long[] {5010, 2490, 2500}, p).pValue() > 0.5);
        assertTrue(ChiSquare.test(new long[] {5500, 2000, 2500}, p).pValue() < 1e-6);
        ChiSquare.Result pooled = ChiSquare.test(new long[] {99, 1, 0}, new double[] {0.98, 0.01, 0.01});
        assertEquals(1, pooled.df(), "the two rare bins are pooled");
    }
}
