package dev.nextinfer.kernels;

import java.util.SplittableRandom;

/** Deterministic random test data. */
final class Rand {
    private final SplittableRandom r;

    Rand(long seed) {
        r = new SplittableRandom(seed);
    }

    float[] uniform(int n, double lo, double hi) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (lo + (hi - lo) * r.nextDouble());
        }
        return a;
    }

    float[] normal(int n, double std) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            double u1 = r.nextDouble();
            double u2 = r.nextDouble();
            a[i] = (float) (std * Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2));
        }
        return a;
    }
}
