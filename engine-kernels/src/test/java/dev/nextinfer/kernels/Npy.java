package dev.nextinfer.kernels;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Test resources: raw bytes, and numpy {@code .npy} arrays of little-endian float32 in C order (format 1.0). */
final class Npy {
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

    /** A float32 array and its shape. */
    record Array(float[] data, int[] shape) {
    }

    private Npy() {
    }

    /** The bytes of resource {@code name} (relative to this package's class path root). */
    static byte[] bytes(String name) {
        try (InputStream in = Npy.class.getResourceAsStream("/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads a {@code .npy} resource holding {@code <f4} values in C order. */
    static Array floats(String name) {
        ByteBuffer b = ByteBuffer.wrap(bytes(name)).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[6];
        b.get(magic);
        if (magic[0] != (byte) 0x93 || !new String(magic, 1, 5, StandardCharsets.US_ASCII).equals("NUMPY")) {
            throw new IllegalArgumentException(name + " is not a .npy file");
        }
        int major = b.get();
        b.get();
        int headerLen = major == 1 ? b.getShort() & 0xFFFF : b.getInt();
        byte[] header = new byte[headerLen];
        b.get(header);
        String h = new String(header, StandardCharsets.US_ASCII);
        if (!h.contains("'descr': '<f4'") || !h.contains("'fortran_order': False")) {
            throw new IllegalArgumentException(name + ": expected little-endian float32 in C order, header " + h);
        }
        Matcher m = SHAPE.matcher(h);
        if (!m.find()) {
            throw new IllegalArgumentException(name + ": no shape in header " + h);
        }
        String[] dims = m.group(1).split(",");
        int n = 1;
        int count = 0;
        int[] shape = new int[dims.length];
        for (String d : dims) {
            if (!d.isBlank()) {
                shape[count] = Integer.parseInt(d.trim());
                n *= shape[count++];
            }
        }
        float[] data = new float[n];
        b.asFloatBuffer().get(data);
        return new Array(data, java.util.Arrays.copyOf(shape, count));
    }
}
