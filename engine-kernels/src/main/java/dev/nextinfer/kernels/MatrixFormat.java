package dev.nextinfer.kernels;

/** Storage formats of {@link Matrix} elements, with their cost in bytes per element. */
public enum MatrixFormat {
    /** IEEE binary32. */
    F32(4.0),
    /** bfloat16: the upper half of a binary32. */
    BF16(2.0),
    /** Blocks of 32 int8 values with one f16 scale (llama.cpp Q8_0): 34 bytes per 32 values. */
    Q8_0(34.0 / 32.0),
    /** Blocks of 32 int4 values (offset 8) with one f16 scale (llama.cpp Q4_0): 18 bytes per 32 values. */
    Q4_0(18.0 / 32.0);

    private final double bytesPerElement;

    MatrixFormat(double bytesPerElement) {
        this.bytesPerElement = bytesPerElement;
    }

    /** Average storage bytes per element, scales included. */
    public double bytesPerElement() {
        return bytesPerElement;
    }
}
