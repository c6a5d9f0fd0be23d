package dev.nextinfer.core.gguf;

import java.util.Arrays;

/**
 * One metadata value: its type and the value, held as {@code Long} (every integer type; UINT64 values above
 * 2⁶³ − 1 wrap), {@code Double} (FLOAT32, FLOAT64), {@code Boolean}, {@code String} or {@link Array}.
 *
 * @param type  the stored type
 * @param value the value
 */
public record GgufValue(GgufValueType type, Object value) {

    /**
     * An array value: elements of one type, held as {@code long[]}, {@code double[]}, {@code boolean[]},
     * {@code String[]} or {@code Array[]} (nested arrays).
     *
     * @param elementType the elements' type
     * @param values      the elements
     */
    public record Array(GgufValueType elementType, Object values) {
        /** Number of elements. */
        public int length() {
            return java.lang.reflect.Array.getLength(values);
        }

        @Override
        public String toString() {
            return elementType + "[" + length() + "]";
        }
    }

    /** A short description for messages: type and value (arrays by length). */
    public String describe() {
        return switch (value) {
            case Array a -> "an array of " + a.length() + " " + a.elementType();
            case String s -> type + " \"" + (s.length() > 40 ? s.substring(0, 40) + "…" : s) + "\"";
            default -> type + " " + value;
        };
    }

    @Override
    public String toString() {
        return value instanceof long[] l ? Arrays.toString(l) : describe();
    }
}
