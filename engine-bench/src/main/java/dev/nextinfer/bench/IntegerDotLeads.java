package dev.nextinfer.bench;

import dev.nextinfer.kernels.IntegerKernels;
import dev.nextinfer.kernels.Matrix;
import dev.nextinfer.kernels.MatrixFormat;
import dev.nextinfer.kernels.Q4_0Matrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The integer-kernel leads of the speed issue, measured against the f32 kernel they would replace (one thread,
 * matrix in cache, so the figures are the kernels' arithmetic rate, not memory's), and the engine's integer kernels
 * that came of the first lead ({@link #q4_0R32}, {@link #q4_KR32}) next to the f32 kernels of the same formats.
 * The prototypes are not engine code; this keeps the measurement reproducible (docs/performance.md).
 *
 * <ul>
 *   <li>{@link #q4_0F32}: today's {@link Q4_0Matrix#matVec}: each 4-bit weight widened to f32 and FMA'd.</li>
 *   <li>{@link #q4_0Int16Rows}: 32 rows in the 32 int16 lanes of a 512-bit vector (a repacked layout: per block
 *       of 32 columns, 16 column pairs × 32 bytes, low nibble column 2p, high nibble 2p + 1), activations quantised
 *       to int8 per block of 32 as llama.cpp does; per column one broadcast, one int16 multiply and one add for 32
 *       rows, the int16 sums widened to int32 every 16 columns (they fit: 16·15·127 &lt; 2¹⁵), scaled per block.</li>
 *   <li>{@link #madd16Reduce} / {@link #madd16Store}: HotSpot's auto-vectoriser on the pair pattern
 *       {@code a[2i]·b[2i] + a[2i+1]·b[2i+1]} over {@code short[]} (which C2 can emit as VNNI {@code vpdpwssd}), as
 *       a reduction into one int and as the store form of the JDK's own IR test; multiply-adds per second are
 *       {@code rows·cols} per invocation like the others.</li>
 * </ul>
 * Needs a 512-bit machine for the int16 lead (it uses the 512-bit species directly).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class IntegerDotLeads {
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_512;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_256;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;

    /** Rows of the matrix (512 × 2048 q4_0 fits in L2, 4096 × 2048 in L3). */
    @Param({"512", "4096"})
    public int rows;

    private final int cols = 2048;
    private Q4_0Matrix q4;
    private Matrix q4r;
    private Matrix q4k;
    private Matrix q4kr;
    private MemorySegment packed;
    private float[] scales;
    private float[] x;
    private float[] y;
    private short[] xq;
    private float[] dx;
    private int[] sx;
    private short[] w16;
    private short[] a16;
    private int[] pairs;

    @Setup
    public void setup() {
        Random r = new Random(1);
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextGaussian();
        }
        x = new float[cols];
        for (int i = 0; i < cols; i++) {
            x[i] = (float) r.nextGaussian();
        }
        y = new float[rows];
        q4 = Q4_0Matrix.of(w, rows, cols);
        q4r = IntegerKernels.repack(q4, Arena.ofAuto(), null);
        q4k = BenchMatrices.single(Arena.ofAuto(), MatrixFormat.Q4_K, rows, cols);
        q4kr = IntegerKernels.repack(q4k, Arena.ofAuto(), null);
        int nb = cols / 32;
        packed = Arena.ofAuto().allocate((long) rows * cols / 2, 64);
        scales = new float[rows * nb];
        for (int row = 0; row < rows; row++) {
            for (int b = 0; b < nb; b++) {
                float amax = 0f;
                float max = 0f;
                for (int j = 0; j < 32; j++) {
                    float v = w[row * cols + b * 32 + j];
                    if (Math.abs(v) > amax) {
                        amax = Math.abs(v);
                        max = v;
                    }
                }
                float d = Float.float16ToFloat(Float.floatToFloat16(max / -8));
                float id = d != 0f ? 1f / d : 0f;
                int g = row / 32;
                int k = row % 32;
                scales[(g * nb + b) * 32 + k] = d;
                for (int p = 0; p < 16; p++) {
                    int c = row * cols + b * 32 + 2 * p;
                    int q0 = Math.clamp(Math.round(w[c] * id) + 8, 0, 15);
                    int q1 = Math.clamp(Math.round(w[c + 1] * id) + 8, 0, 15);
                    packed.set(ValueLayout.JAVA_BYTE, ((long) g * nb + b) * 512 + p * 32L + k, (byte) (q0 | q1 << 4));
                }
            }
        }
        xq = new short[cols];
        dx = new float[nb];
        sx = new int[nb];
        w16 = new short[rows * cols];
        a16 = new short[cols];
        for (int i = 0; i < w16.length; i++) {
            w16[i] = (short) (r.nextInt(255) - 127);
        }
        for (int i = 0; i < cols; i++) {
            a16[i] = (short) (r.nextInt(255) - 127);
        }
        pairs = new int[cols / 2];
    }

    @Benchmark
    public float[] q4_0F32() {
        q4.matVec(x, 0, y, 0, 0, rows);
        return y;
    }

    /** The engine's integer Q4_0 kernel ({@link dev.nextinfer.kernels.Q4_0R32Matrix}, {@code --int8-activations}). */
    @Benchmark
    public float[] q4_0R32() {
        q4r.matVec(x, 0, y, 0, 0, rows);
        return y;
    }

    @Benchmark
    public float[] q4_KF32() {
        q4k.matVec(x, 0, y, 0, 0, rows);
        return y;
    }

    /** The engine's integer Q4_K kernel ({@link dev.nextinfer.kernels.Q4_KR32Matrix}). */
    @Benchmark
    public float[] q4_KR32() {
        q4kr.matVec(x, 0, y, 0, 0, rows);
        return y;
    }

    @Benchmark
    public float[] q4_0Int16Rows() {
        quantise(x, xq, dx, sx);
        int nb = cols / 32;
        for (int g = 0; g < rows / 32; g++) {
            FloatVector y0 = FloatVector.zero(F);
            FloatVector y1 = FloatVector.zero(F);
            for (int b = 0; b < nb; b++) {
                long o = ((long) g * nb + b) * 512;
                IntVector a0 = IntVector.zero(I);
                IntVector a1 = IntVector.zero(I);
                for (int h = 0; h < 2; h++) {
                    ShortVector acc = ShortVector.zero(S);
                    for (int p = 0; p < 8; p++) {
                        ByteVector v = ByteVector.fromMemorySegment(B, packed, o + (h * 8 + p) * 32L, ByteOrder.LITTLE_ENDIAN);
                        ShortVector q = (ShortVector) v.convertShape(VectorOperators.B2S, S, 0);
                        int c = b * 32 + 16 * h + 2 * p;
                        acc = acc.add(q.and((short) 0x0F).mul(xq[c]))
                                .add(q.lanewise(VectorOperators.LSHR, 4).and((short) 0x0F).mul(xq[c + 1]));
                    }
                    a0 = a0.add(acc.convertShape(VectorOperators.S2I, I, 0));
                    a1 = a1.add(acc.convertShape(VectorOperators.S2I, I, 1));
                }
                int m8 = 8 * sx[b]; // Σ (q − 8)·x = Σ q·x − 8·Σ x
                FloatVector d = FloatVector.broadcast(F, dx[b]);
                int so = (g * nb + b) * 32;
                y0 = ((FloatVector) a0.sub(m8).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, scales, so).mul(d), y0);
                y1 = ((FloatVector) a1.sub(m8).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, scales, so + 16).mul(d), y1);
            }
            y0.intoArray(y, g * 32);
            y1.intoArray(y, g * 32 + 16);
        }
        return y;
    }

    @Benchmark
    public long madd16Reduce() {
        long sink = 0;
        for (int row = 0; row < rows; row++) {
            int s = 0;
            int o = row * cols;
            for (int i = 0; i < cols; i += 2) {
                s += w16[o + i] * a16[i] + w16[o + i + 1] * a16[i + 1];
            }
            sink += s;
        }
        return sink;
    }

    @Benchmark
    public int[] madd16Store() {
        for (int row = 0; row < rows; row++) {
            int o = row * cols;
            for (int i = 0; i < cols / 2; i++) {
                pairs[i] += w16[o + 2 * i] * a16[2 * i] + w16[o + 2 * i + 1] * a16[2 * i + 1];
            }
        }
        return pairs;
    }

    /** llama.cpp's q8_0 activation quantisation: per block of 32, d = max|x| / 127, q = round(x / d). */
    private static void quantise(float[] x, short[] q, float[] d, int[] sum) {
        for (int b = 0; b < d.length; b++) {
            float amax = 0f;
            for (int j = 0; j < 32; j++) {
                amax = Math.max(amax, Math.abs(x[b * 32 + j]));
            }
            float db = amax / 127f;
            float id = db != 0f ? 1f / db : 0f;
            int s = 0;
            for (int j = 0; j < 32; j++) {
                int v = Math.round(x[b * 32 + j] * id);
                q[b * 32 + j] = (short) v;
                s += v;
            }
            d[b] = db;
            sum[b] = s;
        }
    }
}
