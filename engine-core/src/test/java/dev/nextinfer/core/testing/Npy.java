package dev.nextinfer.core.testing;

import dev.nextinfer.core.NextInferException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads little-endian float32 C-order {@code .npy} files (format version 1.0): the golden arrays of the fixtures.
 * The writer is a tool ({@code dev.nextinfer.tools.npy.Npy}, behind the CLI's {@code logits} command).
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    /**
     * A float32 array with its shape.
     *
     * @param shape dimensions
     * @param data  values, C order
     */
    public record Array(int[] shape, float[] data) {
        /** Element count of one outer row. */
        public int rowSize() {
            int n = 1;
            for (int i = 1; i < shape.length; i++) {
                n *= shape[i];
            }
            return n;
        }
    }

    private Npy() {
    }

    /** Reads a float32 little-endian C-order array. */
    public static Array read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new NextInferException(file + ": cannot read: " + e.getMessage(), e);
        }
        if (bytes.length < 10 || !Arrays.equals(Arrays.copyOf(bytes, 6), MAGIC)) {
            throw new NextInferException(file + ": not a .npy file");
        }
        int major = bytes[6];
        int headerLen;
        int start;
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (major == 1) {
            headerLen = Short.toUnsignedInt(bb.getShort(8));
            start = 10;
        } else {
            headerLen = bb.getInt(8);
            start = 12;
        }
        String header = new String(bytes, start, headerLen, StandardCharsets.ISO_8859_1);
        if (!header.contains("'descr': '<f4'") || header.contains("'fortran_order': True")) {
            throw new NextInferException(file + ": expected little-endian float32 in C order, header " + header.trim());
        }
        Matcher m = SHAPE.matcher(header);
        if (!m.find()) {
            throw new NextInferException(file + ": no shape in header");
        }
        int[] shape = Arrays.stream(m.group(1).split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .mapToInt(Integer::parseInt).toArray();
        int n = 1;
        for (int d : shape) {
            n = Math.multiplyExact(n, d);
        }
        int dataStart = start + headerLen;
        if (bytes.length - dataStart < 4L * n) {
            throw new NextInferException(file + ": truncated data");
        }
        float[] data = new float[n];
        bb.position(dataStart);
        bb.asFloatBuffer().get(data);
        return new Array(shape, data);
    }
}
