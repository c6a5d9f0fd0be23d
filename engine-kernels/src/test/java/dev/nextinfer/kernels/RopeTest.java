package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.DeltaRuleTest.assertClose;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Rotate-half RoPE on a partial head against the scalar twin. */
class RopeTest {

    @ParameterizedTest(name = "rot={0} head={1} pos={2}")
    @CsvSource({"8, 32, 0", "8, 32, 7", "6, 24, 199", "64, 256, 100000", "2, 5, 3"})
    void rotatesFirstDimsOnly(int rot, int head, long pos) {
        float[] x = new Rand(rot * 31L + pos).normal(head, 1);
        float[] expected = ScalarReference.rope(x, rot, 1e7, pos);
        Rope rope = new Rope(rot, 1e7);
        float[] cos = new float[rot / 2];
        float[] sin = new float[rot / 2];
        rope.angles(pos, cos, sin);
        rope.rotate(x, 0, cos, sin);
        assertClose("rope", x, expected, 1e-6);
    }
}
