package dev.nextinfer.kernels;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads a little-endian float32, C-order {@code .npy} file (format 1.x) from the test resources. */
final class NpyF32 {
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

    /** The array's shape and its values in C order. */
    record Array(int[] shape, float[] values) {
    }

    private NpyF32() {
    }

    static Array read(String resource) {
        byte[] bytes = Resources.bytes(resource);
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if ((bytes[0] & 0xFF) != 0x93 || !new String(bytes, 1, 5, StandardCharsets.US_ASCII).equals("NUMPY") || bytes[6] != 1) {
            throw new IllegalArgumentException(resource + " is not a version 1 .npy file");
        }
        int headerLen = bb.getShort(8) & 0xFFFF;
        String header = new String(bytes, 10, headerLen, StandardCharsets.US_ASCII);
        if (!header.contains("'descr': '<f4'") || header.contains("'fortran_order': True")) {
            throw new IllegalArgumentException(resource + ": expected little-endian float32 in C order, header " + header);
        }
        Matcher m = SHAPE.matcher(header);
        if (!m.find()) {
            throw new IllegalArgumentException(resource + ": no shape in header " + header);
        }
        String[] dims = m.group(1).split(",");
        int n = 0;
        int[] shape = new int[dims.length];
        long count = 1;
        for (String d : dims) {
            if (!d.isBlank()) {
                shape[n] = Integer.parseInt(d.trim());
                count *= shape[n++];
            }
        }
        float[] values = new float[Math.toIntExact(count)];
        bb.position(10 + headerLen);
        bb.asFloatBuffer().get(values);
        return new Array(java.util.Arrays.copyOf(shape, n), values);
    }

    /** Test resources as bytes. */
    static final class Resources {
        private Resources() {
        }

        static byte[] bytes(String resource) {
            try (InputStream in = NpyF32.class.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalArgumentException("no test resource " + resource);
                }
                return in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
