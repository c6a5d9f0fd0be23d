package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.Simd.F;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** Basic f32 vector arithmetic on array slices. */
public final class VectorOps {
    private VectorOps() {
    }

    /** {@code Σ a[aOff+i]·b[bOff+i]} for {@code i < n}. */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        int upper = F.loopBound(n);
        int i = 0;
        for (; i < upper; i += F.length()) {
            acc = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc);
        }
        float sum = Simd.sum(acc);
        for (; i < n; i++) {
            sum += a[aOff + i] * b[bOff + i];
        }
        return sum;
    }

    /** {@code Σ a[off+i]²} for {@code i < n}. */
    public static float sumOfSquares(float[] a, int off, int n) {
        return dot(a, off, a, off, n);
    }

    /** {@code y[yOff+i] += x[xOff+i]}. */
    public static void add(float[] y, int yOff, float[] x, int xOff, int n) {
        int upper = F.loopBound(n);
        int i = 0;
        for (; i < upper; i += F.length()) {
            FloatVector.fromArray(F, y, yOff + i).add(FloatVector.fromArray(F, x, xOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] += x[xOff + i];
        }
    }

    /** {@code y[yOff+i] += a·x[xOff+i]}. */
    public static void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
        FloatVector va = FloatVector.broadcast(F, a);
        int upper = F.loopBound(n);
        int i = 0;
        for (; i < upper; i += F.length()) {
            FloatVector.fromArray(F, x, xOff + i).fma(va, FloatVector.fromArray(F, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] += a * x[xOff + i];
        }
    }

    /** {@code x[off+i] *= a}. */
    public static void scale(float[] x, int off, int n, float a) {
        FloatVector va = FloatVector.broadcast(F, a);
        int upper = F.loopBound(n);
        int i = 0;
        for (; i < upper; i += F.length()) {
            FloatVector.fromArray(F, x, off + i).mul(va).intoArray(x, off + i);
        }
        for (; i < n; i++) {
            x[off + i] *= a;
        }
    }

    /** Index of the largest element of {@code x[off .. off+n)}; the first one on ties. */
    public static int argmax(float[] x, int off, int n) {
        int best = 0;
        float bestValue = x[off];
        for (int i = 1; i < n; i++) {
            if (x[off + i] > bestValue) {
                bestValue = x[off + i];
                best = i;
            }
        }
        return best;
    }
}
