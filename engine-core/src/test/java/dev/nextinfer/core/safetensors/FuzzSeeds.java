package dev.nextinfer.core.safetensors;

import dev.nextinfer.core.testing.Fixtures;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Seed inputs for the safetensors fuzz tests, made from the fixture checkpoints. */
final class FuzzSeeds {
    private FuzzSeeds() {
    }

    /** Small valid files (the fixture's first tensors, shrunk) and each fixture file's first 4 KiB. */
    static List<byte[]> safetensorsFiles() throws IOException {
        List<byte[]> out = new ArrayList<>();
        Path dir = Files.createTempDirectory("seeds");
        try {
            for (Path fixture : fixtureFiles()) {
                byte[] head = new byte[4096];
                try (var ch = java.nio.channels.FileChannel.open(fixture)) {
                    int n = ch.read(ByteBuffer.wrap(head));
                    out.add(java.util.Arrays.copyOf(head, Math.max(n, 0)));
                }
                try (var arena = java.lang.foreign.Arena.ofConfined()) {
                    SafetensorsFile f = SafetensorsFile.open(fixture, arena);
                    List<SafetensorsWriter.Entry> entries = new ArrayList<>();
                    for (TensorInfo t : f.tensors().values()) {
                        if (entries.size() == 4) {
                            break;
                        }
                        long[] shape = t.shape().length == 0 ? new long[0] : new long[t.shape().length];
                        java.util.Arrays.fill(shape, 2);
                        entries.add(new SafetensorsWriter.Entry(t.name(), t.dtype(), shape));
                    }
                    Path small = dir.resolve("small.safetensors");
                    try (SafetensorsWriter w = new SafetensorsWriter(small, entries, Map.of("format", "pt"))) {
                        for (SafetensorsWriter.Entry e : entries) {
                            w.write(e.name(), 0, ByteBuffer.allocate((int) e.byteSize()));
                        }
                    }
                    out.add(Files.readAllBytes(small));
                }
            }
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
        return out;
    }

    private static List<Path> fixtureFiles() throws IOException {
        List<Path> out = new ArrayList<>();
        for (String model : List.of("tiny-f32", "tiny-bf16-8l", "tiny-fp8-b32")) {
            Path d = Fixtures.model(model);
            try (var files = Files.list(d)) {
                files.filter(p -> p.toString().endsWith(".safetensors")).sorted().limit(1).forEach(out::add);
            }
        }
        return out;
    }
}
