package dev.nextinfer.bench;

import java.util.Locale;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The arithmetic ceiling one thread reaches through the Vector API, in registers only (no memory traffic), to put the
 * kernels' rates in proportion: independent f32 FMAs (what the exact and prefill kernels do per weight and row),
 * int16 multiplies, and the integer kernels' step — an int16 multiply by a broadcast activation and an add. The
 * kernels' own rates in cache are {@code StreamTiming --matrices 2} (one row) and {@code FewRowTiming} (many).
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp engine-bench/target/benchmarks.jar dev.nextinfer.bench.ArithmeticPeak [rounds]
 * </pre>
 * Uses the 512-bit species (on a narrower machine the JIT splits each operation).
 */
public final class ArithmeticPeak {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_512;

    private ArithmeticPeak() {
    }

    /** Twelve independent FMA chains (more than latency × issue width). */
    static float fma(long iters) {
        FloatVector a0 = FloatVector.broadcast(F, 1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
        FloatVector a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        FloatVector m = FloatVector.broadcast(F, 0.999f);
        FloatVector c = FloatVector.broadcast(F, 0.001f);
        for (long i = 0; i < iters; i++) {
            a0 = a0.fma(m, c); a1 = a1.fma(m, c); a2 = a2.fma(m, c); a3 = a3.fma(m, c);
            a4 = a4.fma(m, c); a5 = a5.fma(m, c); a6 = a6.fma(m, c); a7 = a7.fma(m, c);
            a8 = a8.fma(m, c); a9 = a9.fma(m, c); a10 = a10.fma(m, c); a11 = a11.fma(m, c);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .reduceLanes(VectorOperators.ADD);
    }

    /** Eight independent int16 multiply chains. */
    static short mul(long iters) {
        ShortVector a0 = ShortVector.broadcast(S, (short) 1), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        ShortVector m = ShortVector.broadcast(S, (short) 3);
        for (long i = 0; i < iters; i++) {
            a0 = a0.mul(m); a1 = a1.mul(m); a2 = a2.mul(m); a3 = a3.mul(m);
            a4 = a4.mul(m); a5 = a5.mul(m); a6 = a6.mul(m); a7 = a7.mul(m);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).reduceLanes(VectorOperators.ADD);
    }

    /** The integer kernels' step: {@code acc += w · broadcast(k)}, eight independent sums. */
    static short mulAdd(long iters, short[] k) {
        ShortVector a0 = ShortVector.broadcast(S, (short) 1), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        ShortVector w = ShortVector.broadcast(S, (short) 3);
        int mask = k.length - 8;
        for (long i = 0; i < iters; i++) {
            int j = (int) (i * 8) & mask;
            a0 = a0.add(w.mul(k[j])); a1 = a1.add(w.mul(k[j + 1])); a2 = a2.add(w.mul(k[j + 2])); a3 = a3.add(w.mul(k[j + 3]));
            a4 = a4.add(w.mul(k[j + 4])); a5 = a5.add(w.mul(k[j + 5])); a6 = a6.add(w.mul(k[j + 6])); a7 = a7.add(w.mul(k[j + 7]));
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).reduceLanes(VectorOperators.ADD);
    }

    /** Entry point: {@code rounds} lines (default 6; the first two are warm-up). */
    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 6;
        long n = 200_000_000L;
        short[] k = new short[2048];
        for (int i = 0; i < k.length; i++) {
            k[i] = (short) (i * 37 % 255 - 127);
        }
        float sink = 0;
        int sinkS = 0;
        for (int r = 0; r < rounds; r++) {
            long t0 = System.nanoTime();
            sink += fma(n);
            long t1 = System.nanoTime();
            sinkS += mul(n);
            long t2 = System.nanoTime();
            sinkS += mulAdd(n, k);
            long t3 = System.nanoTime();
            System.out.printf(Locale.ROOT, "f32 FMA %.1f G multiply-adds/s (%.2f instructions/ns) | int16 multiply %.1f G/s"
                            + " (%.2f instructions/ns) | int16 multiply by a broadcast + add %.1f G multiply-adds/s%n",
                    12.0 * 16 * n / (t1 - t0), 12.0 * n / (t1 - t0), 8.0 * 32 * n / (t2 - t1), 8.0 * n / (t2 - t1),
                    8.0 * 32 * n / (t3 - t2));
        }
        System.out.println("(checksum " + sink + " " + sinkS + ")");
    }
}
