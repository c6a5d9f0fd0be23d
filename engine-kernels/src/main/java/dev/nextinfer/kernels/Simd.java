package dev.nextinfer.kernels;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/** The vector species every kernel uses: the machine's preferred float width and its integer twins. */
final class Simd {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int LANES = F.length();
    static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    /** Shorts with as many lanes as {@link #F}: half the bit size (bf16 loads widen to {@link #I}). */
    static final VectorSpecies<Short> S_HALF =
            VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));

    /**
     * Floats for the 32-value block formats: {@link #F}, capped at 16 lanes so that a block (and each half of a
     * Q4_0 block) is a whole number of vectors.
     */
    static final VectorSpecies<Float> FB = F.length() <= 16 ? F : FloatVector.SPECIES_512;
    /** Lanes of {@link #FB}: 4, 8 or 16. */
    static final int FB_LANES = FB.length();
    /**
     * Bytes loaded to widen into one {@link #FB} vector: {@link #FB_LANES} bytes (16 on AVX-512, 8 on AVX2), but at
     * least 8 (the smallest byte species), of which only the first {@link #FB_LANES} are used. Widening always
     * takes part 0 of a load: C2 compiles that to one sign-extending move, while parts above 0 fall back to slow
     * Java code.
     */
    static final VectorSpecies<Byte> BL = FB_LANES >= 8
            ? VectorSpecies.of(byte.class, VectorShape.forBitSize(FB_LANES * 8))
            : ByteVector.SPECIES_64;

    // Shuffles of the pairwise tree in sum(): lane i takes lane i + k (mod length).
    private static final VectorShuffle<Float> S512_8 = VectorShuffle.iota(FloatVector.SPECIES_512, 8, 1, true);
    private static final VectorShuffle<Float> S512_4 = VectorShuffle.iota(FloatVector.SPECIES_512, 4, 1, true);
    private static final VectorShuffle<Float> S512_2 = VectorShuffle.iota(FloatVector.SPECIES_512, 2, 1, true);
    private static final VectorShuffle<Float> S512_1 = VectorShuffle.iota(FloatVector.SPECIES_512, 1, 1, true);
    private static final VectorShuffle<Float> S256_4 = VectorShuffle.iota(FloatVector.SPECIES_256, 4, 1, true);
    private static final VectorShuffle<Float> S256_2 = VectorShuffle.iota(FloatVector.SPECIES_256, 2, 1, true);
    private static final VectorShuffle<Float> S256_1 = VectorShuffle.iota(FloatVector.SPECIES_256, 1, 1, true);
    private static final VectorShuffle<Float> S128_2 = VectorShuffle.iota(FloatVector.SPECIES_128, 2, 1, true);
    private static final VectorShuffle<Float> S128_1 = VectorShuffle.iota(FloatVector.SPECIES_128, 1, 1, true);

    private Simd() {
    }

    /**
     * Sum of the lanes in a fixed pairwise order. {@code reduceLanes(ADD)} may not be used for results that must be
     * reproducible: its JIT-compiled form adds the lanes in a different order from its interpreted form, so the same
     * call gave results 1 ulp apart depending on whether C2 had compiled the caller yet. Lane-wise adds and
     * rearranges are exact in both forms. Vectors of 4, 8 or 16 lanes; others fall back to a sequential sum.
     */
    static float sum(FloatVector v) {
        switch (v.length()) {
            case 16 -> {
                v = v.add(v.rearrange(S512_8));
                v = v.add(v.rearrange(S512_4));
                v = v.add(v.rearrange(S512_2));
                v = v.add(v.rearrange(S512_1));
            }
            case 8 -> {
                v = v.add(v.rearrange(S256_4));
                v = v.add(v.rearrange(S256_2));
                v = v.add(v.rearrange(S256_1));
            }
            case 4 -> {
                v = v.add(v.rearrange(S128_2));
                v = v.add(v.rearrange(S128_1));
            }
            default -> {
                float s = 0f;
                for (int i = 0; i < v.length(); i++) {
                    s += v.lane(i);
                }
                return s;
            }
        }
        return v.lane(0);
    }
}
